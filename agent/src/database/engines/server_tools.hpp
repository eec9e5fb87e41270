#pragma once
// What the postgres and mysql engines share: the app's connection URL from its environment,
// running the engines' client programs (pg_dump, mysqldump, ...) like any step command, and
// reading a schema over a connection.

#include <map>
#include <optional>
#include <string>
#include <vector>

#include <tl/expected.hpp>

#include "bosun/common/database_url.hpp"
#include "bosun/manifest/model.hpp"
#include "database/command_site.hpp"
#include "database/schema_fingerprint.hpp"
#include "deploy/steps/step_command.hpp"

namespace bosun::agent::database::engines {

// The URL in the app's environment variable database.url_env, or why there is none (the
// reason names the variable, never its value).
tl::expected<DatabaseUrl, std::string> app_database_url(const manifest::Database& database,
                                                        const CommandSite& site);

// Runs a client program in the release's directory with `env` as its whole environment; its
// output goes to the site's log (stdout to `stdout_path` when given). Bounded by an hour.
deploy::steps::StepCommandResult run_client(const std::vector<std::string>& argv,
                                            const std::map<std::string, std::string>& env,
                                            const CommandSite& site,
                                            const std::string& stdout_path = "");

// A schema query: rows of (name, definition), stored as "<what> <name>".
struct SchemaQuery {
  std::string what;  // "table", "index"
  std::string sql;
};

// The schema read with `queries` over one connection; nullopt when it cannot be read.
std::optional<SchemaFingerprint> read_schema(const DatabaseUrl& url,
                                             const std::vector<SchemaQuery>& queries);

// The last `bytes` of a file ("" when it cannot be read).
std::string file_tail(const std::string& path, std::size_t bytes);

}  // namespace bosun::agent::database::engines
