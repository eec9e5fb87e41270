#include "bosun/controller/bosun_cli.hpp"

#include <ostream>

#include "bosun/common/build_info.hpp"
#include "bosun/common/cli.hpp"
#include "bosun/common/exit_codes.hpp"
#include "bosun/common/logging.hpp"
#include "bosun/manifest/check_command.hpp"

namespace bosun::controller {
namespace {

int run_manifest(const std::vector<std::string>& args, std::ostream& out, std::ostream& err) {
  const std::vector<cli::Subcommand> subcommands{
      {"check", "validate the app manifest and show what it defines",
       [&](const std::vector<std::string>& rest) {
         return manifest::run_check_command("bosun manifest check", rest, out, err);
       }},
  };
  return cli::dispatch("bosun manifest", "Work with the app manifest (app.yaml).", subcommands,
                       args, out, err);
}

}  // namespace

int run_bosun(const std::vector<std::string>& args, std::ostream& out, std::ostream& err) {
  // Global options come before the command: bosun [-v] COMMAND ...
  std::size_t first = 0;
  int verbosity = 0;
  while (first < args.size() && args[first].starts_with("-")) {
    const std::string& arg = args[first];
    if (arg == "--version") {
      out << "bosun " << k_version << "\n";
      return exit_code::k_ok;
    }
    if (arg == "-v" || arg == "--verbose") {
      ++verbosity;
    } else if (arg == "-vv") {
      verbosity += 2;
    } else {
      break;  // --help and unknown options are handled by dispatch
    }
    ++first;
  }
  configure_logging(verbosity);
  const std::vector<std::string> rest(args.begin() + static_cast<std::ptrdiff_t>(first),
                                      args.end());
  const std::vector<cli::Subcommand> commands{
      {"manifest", "check the app manifest (manifest check)",
       [&](const std::vector<std::string>& sub) { return run_manifest(sub, out, err); }},
  };
  return cli::dispatch("bosun",
                       "Deploy and run a web platform on your Linux hosts from one command.\n"
                       "Global options (before COMMAND): -v/--verbose, --version.",
                       commands, rest, out, err);
}

}  // namespace bosun::controller
