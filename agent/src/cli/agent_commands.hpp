#pragma once
// The bosun-agent subcommands, one file each group: the daemon (daemon_command.cpp), the
// service commands over the API (service_commands.cpp), releases and history read from the
// host's state (release_commands.cpp), the deploy lock (lock_command.cpp), deploys and
// rollbacks (deploy_cli.cpp), reports (report_cli.cpp) and the session (session_cli.cpp).
// run_agent_cli (agent_cli.cpp) dispatches to them.

#include <ostream>
#include <string>
#include <vector>

namespace bosun::agent::cli {

using CommandArgs = std::vector<std::string>;

int run_daemon(const CommandArgs& args, std::ostream& out, std::ostream& err);
int status_command(const CommandArgs& args, std::ostream& out, std::ostream& err);
// start, stop or restart
int service_action(const std::string& action, const CommandArgs& args, std::ostream& out,
                   std::ostream& err);
int logs_command(const CommandArgs& args, std::ostream& out, std::ostream& err);
int events_command(const CommandArgs& args, std::ostream& out, std::ostream& err);
// A command that is one request to the API (metrics, stop-all).
int simple_get(const std::string& command, const std::string& path, const std::string& summary,
               const CommandArgs& args, std::ostream& out, std::ostream& err);
int releases_command(const CommandArgs& args, std::ostream& out, std::ostream& err);
int history_command(const CommandArgs& args, std::ostream& out, std::ostream& err);
int lock_command(const CommandArgs& args, std::ostream& out, std::ostream& err);
// database_server_command.cpp: the app's database server as one of its services.
int database_server_command(const CommandArgs& args, std::ostream& out, std::ostream& err);
// nginx_server_command.cpp: nginx in front of a deploy: proxy service, as one of its services.
int nginx_server_command(const CommandArgs& args, std::ostream& out, std::ostream& err);

}  // namespace bosun::agent::cli
