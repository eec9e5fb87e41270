// `bosun-agent database-server postgres|mysql --data DIR`: the command of a service that runs
// the app's database server on this host (see database/database_server.hpp).
#include <unistd.h>

#include <filesystem>

#include "bosun/common/cli.hpp"
#include "bosun/common/database_url.hpp"
#include "bosun/common/environment.hpp"
#include "bosun/common/exit_codes.hpp"
#include "cli/agent_commands.hpp"
#include "database/database_server.hpp"

namespace bosun::agent::cli {

int database_server_command(const CommandArgs& args, std::ostream& out, std::ostream& err) {
  std::string engine;
  std::string data;
  std::string url_env = "DATABASE_URL";
  std::string bin;
  bosun::cli::ArgParser parser(
      "bosun-agent database-server",
      "Run the app's database server as one of its services (postgres or mysql, which is "
      "MariaDB): on the first start DIR is initialised (initdb, mariadb-install-db) with the "
      "role, password and database of the app's URL; then this process becomes the server, "
      "listening on the URL's host and port.");
  parser.positional("ENGINE", "postgres or mysql", engine, true)
      .option("data", 0, "DIR", "the data folder, e.g. ${shared}/postgres (required)", data)
      .option("url-env", 0, "NAME", "the variable holding the app's URL (default DATABASE_URL)",
              url_env)
      .option("bin", 0, "DIR", "postgres' programs (default: /usr/lib/postgresql/<newest>/bin)",
              bin)
      .epilog("Exit status: it becomes the server; 2 bad usage or URL, 1 a failed first start.\n");
  if (const auto code = parser.parse_or_exit_code(args, out, err)) {
    return *code;
  }
  const std::string command = "bosun-agent database-server";
  if ((engine != "postgres" && engine != "mysql") || data.empty()) {
    err << command << ": give postgres or mysql and --data DIR (see --help)\n";
    return exit_code::k_invalid_input;
  }
  const auto url = database_url_from(process_environment(), url_env);
  if (!url || to_string(url->engine) != engine) {
    err << command << ": "
        << (url ? url_env + ": a " + to_string(url->engine) + " URL for a " + engine + " server"
                : url.error())
        << "\n";
    return exit_code::k_invalid_input;
  }
  if (engine == "postgres" && ::geteuid() == 0) {
    err << command << ": postgres refuses to run as root: give this service `user: postgres` "
        << "(and its data folder to that user: install -d -o postgres -m 700 " << data << ")\n";
    return exit_code::k_invalid_input;
  }
  const std::string absolute = std::filesystem::absolute(data).string();
  const database::ServerPlan plan = engine == "postgres"
                                        ? database::postgres_plan(*url, absolute, bin)
                                        : database::mysql_plan(*url, absolute, ::geteuid() == 0);
  err << command << ": " << run_server_plan(plan, url->password) << "\n";
  return exit_code::k_failed;
}

}  // namespace bosun::agent::cli
