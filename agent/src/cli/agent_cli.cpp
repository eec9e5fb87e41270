#include "bosun/agent/agent_cli.hpp"

#include "bosun/common/build_info.hpp"
#include "bosun/common/cli.hpp"
#include "bosun/common/exit_codes.hpp"
#include "bosun/manifest/check_command.hpp"
#include "cli/agent_commands.hpp"
#include "cli/deploy_cli.hpp"
#include "cli/report_cli.hpp"
#include "cli/session_cli.hpp"
#include "container/container_run.hpp"
#include "release/fetch_process.hpp"

namespace bosun::agent {

int run_agent_cli(const std::vector<std::string>& args, std::ostream& out, std::ostream& err) {
  if (!args.empty() && args[0] == "--version") {
    out << "bosun-agent " << k_version << "\n";
    return exit_code::k_ok;
  }
  using Args = const std::vector<std::string>&;
  const std::vector<bosun::cli::Subcommand> commands{
      {"run", "supervise the app's services (the daemon)",
       [&](Args sub) { return cli::run_daemon(sub, out, err); }},
      {"status", "show the services' state",
       [&](Args sub) { return cli::status_command(sub, out, err); }},
      {"start", "start a service",
       [&](Args sub) { return cli::service_action("start", sub, out, err); }},
      {"stop", "stop a service",
       [&](Args sub) { return cli::service_action("stop", sub, out, err); }},
      {"restart", "restart a service",
       [&](Args sub) { return cli::service_action("restart", sub, out, err); }},
      {"logs", "print a service's log", [&](Args sub) { return cli::logs_command(sub, out, err); }},
      {"events", "print the agent's journal",
       [&](Args sub) { return cli::events_command(sub, out, err); }},
      {"metrics", "print Prometheus metrics",
       [&](Args sub) {
         return cli::simple_get("metrics", "/v1/metrics",
                                "Print the agent's metrics in the Prometheus text format.", sub,
                                out, err);
       }},
      {"ready", "is the running app ready? (report with evidence and actions)",
       [&](Args sub) { return cli::ready_command(sub, out, err); }},
      {"gap", "check the manifest's requirements on this host",
       [&](Args sub) { return cli::gap_command(sub, out, err); }},
      {"history", "deploys and rollbacks on this host",
       [&](Args sub) { return cli::history_command(sub, out, err); }},
      {"lock", "take, give back or show the deploy lock",
       [&](Args sub) { return cli::lock_command(sub, out, err); }},
      {"database-server", "run the app's database server as a service (postgres, mysql)",
       [&](Args sub) { return cli::database_server_command(sub, out, err); }},
      {"nginx-server", "run nginx in front of a deploy: proxy service, as a service",
       [&](Args sub) { return cli::nginx_server_command(sub, out, err); }},
      {"deploy", "deploy a commit on this host (run by the daemon)",
       [&](Args sub) { return cli::deploy_command(sub, out, err); }},
      {"rollback", "go back to the last good release, or --to one",
       [&](Args sub) { return cli::rollback_command(sub, out, err); }},
      {"releases", "list the releases on this host",
       [&](Args sub) { return cli::releases_command(sub, out, err); }},
      {"stop-all", "stop every service, then the agent",
       [&](Args sub) {
         return cli::simple_get(
             "stop-all", "/v1/stop-all",
             "Stop every service in reverse dependency order, then stop the agent.", sub, out, err);
       }},
      {"container-run", "(used by the agent) run a container service in the foreground",
       [&](Args sub) { return container::container_run_command(sub, out, err); }},
      {"fetch-mirror", "(used by the agent) fetch the repository into its mirror",
       [&](Args sub) { return release::fetch_mirror_command(sub, out, err); }},
      {"session", "run agent commands read from stdin (the controller's connection)",
       [&](Args sub) { return cli::session_command(sub, out, err, run_agent_cli); }},
      {"manifest", "check a release's manifest on this host (manifest check -c FILE)",
       [&](Args sub) {
         const std::vector<bosun::cli::Subcommand> manifest_commands{
             {"check", "validate the app manifest and show what it defines",
              [&](Args rest) {
                return manifest::run_check_command("bosun-agent manifest check", rest, out, err);
              }},
         };
         return bosun::cli::dispatch("bosun-agent manifest", "Work with the app manifest.",
                                     manifest_commands, sub, out, err);
       }},
  };
  return bosun::cli::dispatch(
      "bosun-agent",
      "The bosun host agent: supervises the app's services, deploys and rolls back releases, "
      "and answers on a Unix socket. docs/AGENT.md describes it.",
      commands, args, out, err);
}

}  // namespace bosun::agent
