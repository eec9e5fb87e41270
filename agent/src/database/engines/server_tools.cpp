#include "database/engines/server_tools.hpp"

#include <fstream>

#include "bosun/checks/sql_connection.hpp"

namespace bosun::agent::database::engines {

tl::expected<DatabaseUrl, std::string> app_database_url(const manifest::Database& database,
                                                        const CommandSite& site) {
  auto url = database_url_from(site.env, database.url_env);
  if (!url) {
    const bool unset = site.env.count(database.url_env) == 0;
    return tl::make_unexpected(url.error() + (unset ? " (shared/.env, env: or a secret): bosun "
                                                      "connects to the database with it"
                                                    : ""));
  }
  const auto expected = database.kind == manifest::DatabaseKind::postgres ? DatabaseEngine::postgres
                                                                          : DatabaseEngine::mysql;
  if (url->engine != expected) {
    return tl::make_unexpected(database.url_env + " is a " + to_string(url->engine) +
                               " URL, but database.kind is " + to_string(expected));
  }
  return url;
}

deploy::steps::StepCommandResult run_client(const std::vector<std::string>& argv,
                                            const std::map<std::string, std::string>& env,
                                            const CommandSite& site,
                                            const std::string& stdout_path) {
  deploy::steps::StepCommand command{
      argv,           env, site.release_dir, site.log_path, std::chrono::milliseconds(3'600'000),
      site.pid_record};
  command.stdout_path = stdout_path;
  return deploy::steps::run_step_command(command);
}

std::optional<SchemaFingerprint> read_schema(const DatabaseUrl& url,
                                             const std::vector<SchemaQuery>& queries) {
  auto connection = checks::connect_sql(url, std::chrono::milliseconds(10'000));
  if (!connection) {
    return std::nullopt;
  }
  SchemaFingerprint fingerprint;
  for (const SchemaQuery& query : queries) {
    const auto rows = (*connection)->query(query.sql);
    if (!rows) {
      return std::nullopt;
    }
    for (const checks::SqlRow& row : *rows) {
      if (row.size() >= 2 && row[0]) {
        fingerprint[query.what + " " + *row[0]] = row[1].value_or("");
      }
    }
  }
  return fingerprint;
}

std::string file_tail(const std::string& path, std::size_t bytes) {
  std::ifstream in(path, std::ios::binary | std::ios::ate);
  if (!in) {
    return "";
  }
  const auto size = static_cast<std::size_t>(in.tellg());
  const std::size_t start = size > bytes ? size - bytes : 0;
  in.seekg(static_cast<std::streamoff>(start));
  std::string tail(size - start, '\0');
  in.read(tail.data(), static_cast<std::streamsize>(tail.size()));
  return tail;
}

}  // namespace bosun::agent::database::engines
