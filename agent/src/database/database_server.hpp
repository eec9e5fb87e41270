#pragma once
// The database server as one of the app's services, for a single VM (the seeds' setup): on its
// first start its data folder is created (initdb, mariadb-install-db) with the role, password
// and database of the app's own DATABASE_URL; then the process becomes the server itself
// (exec), so the agent supervises postgres or mariadbd directly. Planned as data, then run.

#include <optional>
#include <string>
#include <vector>

#include "bosun/common/database_url.hpp"

namespace bosun::agent::database {

struct ServerCommand {
  std::vector<std::string> argv;
  std::string input;  // written to its stdin (bootstrap SQL); the password only ever here
};

struct ServerPlan {
  std::string data;                  // the data folder
  std::string initialised_marker;    // written there once the first start succeeded
  std::string password_file;         // written 0600 for initdb, removed after; "" when unused
  std::vector<ServerCommand> first;  // on the first start only, in order
  std::vector<std::string> server;   // what the process becomes
};

// `bin`: where postgres' programs are ("" : found in /usr/lib/postgresql/<newest>/bin, else
// PATH). Listens on the URL's host and port, its socket in the data folder.
ServerPlan postgres_plan(const DatabaseUrl& url, const std::string& data, const std::string& bin);
ServerPlan mysql_plan(const DatabaseUrl& url, const std::string& data, bool as_root);

// Initialises when needed, then execs the server; returns only on failure, with the reason.
std::string run_server_plan(const ServerPlan& plan, const std::string& password);

// Debian's /usr/lib/postgresql/<newest major>/bin, or "" when there is none.
std::string newest_postgres_bin();

}  // namespace bosun::agent::database
