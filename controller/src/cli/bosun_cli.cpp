#include "bosun/controller/bosun_cli.hpp"

#include <ostream>

#include "bosun/common/build_info.hpp"
#include "bosun/common/cli.hpp"
#include "bosun/common/exit_codes.hpp"
#include "bosun/common/logging.hpp"
#include "bosun/manifest/check_command.hpp"
#include "cli/fleet_commands.hpp"
#include "cli/host_commands.hpp"
#include "setup/setup_commands.hpp"

namespace bosun::controller {
namespace {

int run_manifest(const std::vector<std::string>& args, std::ostream& out, std::ostream& err) {
  const std::vector<bosun::cli::Subcommand> subcommands{
      {"check", "validate the app manifest and show what it defines",
       [&](const std::vector<std::string>& rest) {
         return manifest::run_check_command("bosun manifest check", rest, out, err);
       }},
  };
  return bosun::cli::dispatch("bosun manifest", "Work with the app manifest (app.yaml).",
                              subcommands, args, out, err);
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
  using Args = const std::vector<std::string>&;
  const std::vector<bosun::cli::Subcommand> commands{
      {"init", "start a project: app.yaml, .bosun/secrets, .gitignore",
       [&](Args sub) { return setup::init_command(sub, out, err); }},
      {"manifest", "check the app manifest (manifest check)",
       [&](Args sub) { return run_manifest(sub, out, err); }},
      {"setup", "make hosts ready: agent, layout, secrets, gap analysis",
       [&](Args sub) { return setup::setup_command(sub, out, err); }},
      {"deploy", "deploy a commit to a stage",
       [&](Args sub) { return cli::deploy_command(sub, out, err); }},
      {"rollback", "back to the last good release (or RELEASE) on a stage",
       [&](Args sub) { return cli::rollback_command(sub, out, err); }},
      {"releases", "the releases on every host",
       [&](Args sub) { return cli::releases_command(sub, out, err); }},
      {"status", "the incident view: releases, services, probes, drift",
       [&](Args sub) { return cli::status_command(sub, out, err); }},
      {"ready", "the readiness report of every host",
       [&](Args sub) { return cli::ready_command(sub, out, err); }},
      {"gap", "requirements on the laptop and every host, side by side",
       [&](Args sub) { return cli::gap_command(sub, out, err); }},
      {"logs", "a service's log from every host",
       [&](Args sub) { return cli::logs_command(sub, out, err); }},
      {"restart", "restart a service on every host",
       [&](Args sub) { return cli::restart_command(sub, out, err); }},
      {"lock", "take, give back or show the deploy lock on every host",
       [&](Args sub) { return cli::lock_command(sub, out, err); }},
      {"history", "deploys and rollbacks run from here",
       [&](Args sub) { return cli::history_command(sub, out, err); }},
  };
  return bosun::cli::dispatch(
      "bosun",
      "Deploy and run a web platform on your Linux hosts from one command.\n"
      "Global options (before COMMAND): -v/--verbose, --version. Every command "
      "also takes -c/--config and --json; those that act on hosts -d/--stage, "
      "--hosts and --no-color too.",
      commands, rest, out, err);
}

}  // namespace bosun::controller
