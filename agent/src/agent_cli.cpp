#include "bosun/agent/agent_cli.hpp"

#include <ostream>

#include "bosun/common/build_info.hpp"
#include "bosun/common/cli.hpp"
#include "bosun/common/exit_codes.hpp"
#include "bosun/manifest/check_command.hpp"

namespace bosun::agent {

int run_agent_cli(const std::vector<std::string>& args, std::ostream& out, std::ostream& err) {
  if (!args.empty() && args[0] == "--version") {
    out << "bosun-agent " << k_version << "\n";
    return exit_code::k_ok;
  }
  const std::vector<cli::Subcommand> commands{
      {"manifest", "check a release's manifest on this host (manifest check -c FILE)",
       [&](const std::vector<std::string>& sub) {
         const std::vector<cli::Subcommand> manifest_commands{
             {"check", "validate the app manifest and show what it defines",
              [&](const std::vector<std::string>& rest) {
                return manifest::run_check_command("bosun-agent manifest check", rest, out, err);
              }},
         };
         return cli::dispatch("bosun-agent manifest", "Work with the app manifest.",
                              manifest_commands, sub, out, err);
       }},
  };
  return cli::dispatch("bosun-agent",
                       "The bosun host agent. Supervision (run, status, start, stop, logs) and "
                       "releases (deploy, rollback) are being built; see docs/ARCHITECTURE.md.",
                       commands, args, out, err);
}

}  // namespace bosun::agent
