// Postgres with bosun's own tools: pg_dump --format=custom before the migrate, checked by
// reading it back with pg_restore --list; a restore that leaves the database as the backup
// has it, in one transaction; the schema from the catalogs. The connection comes from the
// app's DATABASE_URL, handed to the clients as PG* variables: the password is in
// PGPASSWORD, never in an argument.
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

#include "bosun/checks/sql_connection.hpp"
#include "database/engines/engines.hpp"
#include "database/engines/server_tools.hpp"
#include "database/sql_names.hpp"

namespace bosun::agent::database::engines {

namespace {

std::map<std::string, std::string> client_env(const DatabaseUrl& url, const CommandSite& site) {
  std::map<std::string, std::string> env = site.env;
  env["PGHOST"] = url.socket.empty() ? url.host : url.socket;
  env["PGPORT"] = std::to_string(url.port);
  env["PGDATABASE"] = url.database;
  env["PGCONNECT_TIMEOUT"] = "10";
  env["PGAPPNAME"] = "bosun";
  if (!url.user.empty()) {
    env["PGUSER"] = url.user;
  }
  if (!url.password.empty()) {
    env["PGPASSWORD"] = url.password;
  }
  if (const auto mode = url.options.find("sslmode"); mode != url.options.end()) {
    env["PGSSLMODE"] = mode->second;
  }
  return env;
}

std::string quoted_name(const std::string& schema, const std::string& name) {
  return postgres_name(schema) + "." + postgres_name(name);
}

// "TABLE public.notes" for each table, view, sequence and type `pg_restore --list` shows.
// An object as (kind, quoted name): ("TABLE", "\"public\".\"notes\"").
using DbObject = std::pair<std::string, std::string>;

std::set<DbObject> objects_in_listing(const std::string& listing_path) {
  std::set<DbObject> objects;
  std::ifstream in(listing_path);
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty() || line.front() == ';') {
      continue;
    }
    // "218; 1259 16390 TABLE public notes app"
    std::istringstream words(line.substr(line.find(';') + 1));
    std::string oid_a, oid_b, kind, schema, name;
    words >> oid_a >> oid_b >> kind >> schema >> name;
    if (kind == "TABLE" || kind == "VIEW" || kind == "SEQUENCE" || kind == "TYPE" ||
        kind == "MATERIALIZED") {
      if (kind == "MATERIALIZED") {  // "MATERIALIZED VIEW public name"
        schema = name;
        words >> name;
        kind = "MATERIALIZED VIEW";
      }
      objects.emplace(kind, quoted_name(schema, name));
    }
  }
  return objects;
}

// Tables, views, sequences and enum types now in the database, as objects_in_listing names
// them; nullopt when they cannot be read.
std::optional<std::set<DbObject>> objects_in_database(const DatabaseUrl& url) {
  auto connection = checks::connect_sql(url, std::chrono::milliseconds(10'000));
  if (!connection) {
    return std::nullopt;
  }
  const auto rows =
      (*connection)
          ->query(
              "SELECT CASE c.relkind WHEN 'v' THEN 'VIEW' WHEN 'm' THEN 'MATERIALIZED VIEW'"
              " WHEN 'S' THEN 'SEQUENCE' ELSE 'TABLE' END, n.nspname, c.relname"
              " FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace"
              " WHERE c.relkind IN ('r', 'p', 'v', 'm', 'S')"
              "   AND n.nspname NOT IN ('pg_catalog', 'information_schema')"
              "   AND n.nspname NOT LIKE 'pg_toast%' AND n.nspname NOT LIKE 'pg_temp%'"
              " UNION ALL SELECT 'TYPE', n.nspname, t.typname FROM pg_type t"
              " JOIN pg_namespace n ON n.oid = t.typnamespace WHERE t.typtype = 'e'"
              "   AND n.nspname NOT IN ('pg_catalog', 'information_schema')");
  if (!rows) {
    return std::nullopt;
  }
  std::set<DbObject> objects;
  for (const checks::SqlRow& row : *rows) {
    objects.emplace(row[0].value_or(""), quoted_name(row[1].value_or(""), row[2].value_or("")));
  }
  return objects;
}

class PostgresEngine final : public Engine {
 public:
  std::string backup_extension() const override { return "dump"; }

  std::optional<deploy::StepResult> backup(const manifest::Database& database,
                                           const std::string& backup_path,
                                           const CommandSite& site) const override {
    const auto url = app_database_url(database, site);
    if (!url) {
      return deploy::StepResult::failed(url.error());
    }
    const std::string partial = backup_path + ".partial";
    const auto env = client_env(*url, site);
    const auto dumped =
        run_client({"pg_dump", "--format=custom", "--no-password", "--file=" + partial}, env, site);
    if (!dumped.succeeded()) {
      std::filesystem::remove(partial);
      return deploy::StepResult::failed("pg_dump of " + url->redacted() + " " + dumped.describe() +
                                        " (log: " + site.log_path + ")");
    }
    // Read back: a dump pg_restore cannot list is not a backup.
    const std::string listing = backup_path + ".list";
    const auto listed = run_client({"pg_restore", "--list", partial}, env, site, listing);
    const std::set<DbObject> objects = objects_in_listing(listing);
    std::filesystem::remove(listing);
    if (!listed.succeeded()) {
      std::filesystem::remove(partial);
      return deploy::StepResult::failed("the dump of " + url->redacted() +
                                        " does not read back: pg_restore --list " +
                                        listed.describe() + " (log: " + site.log_path + ")");
    }
    std::filesystem::rename(partial, backup_path);
    return deploy::StepResult::ok("pg_dump of " + url->redacted() + " to " + backup_path +
                                  ", read back with pg_restore --list (" +
                                  std::to_string(objects.size()) +
                                  " tables, views, sequences "
                                  "and types)");
  }

  std::optional<deploy::StepResult> restore(const manifest::Database& database,
                                            const std::string& backup_path,
                                            const CommandSite& site) const override {
    const auto url = app_database_url(database, site);
    if (!url) {
      return deploy::StepResult::failed(url.error());
    }
    const auto env = client_env(*url, site);
    const std::string listing = backup_path + ".list";
    const std::string script = backup_path + ".restore.sql";
    const auto cleanup = [&] {
      std::filesystem::remove(listing);
      std::filesystem::remove(script);
    };
    const auto listed = run_client({"pg_restore", "--list", backup_path}, env, site, listing);
    const auto now = objects_in_database(*url);
    if (!listed.succeeded() || !now) {
      cleanup();
      return deploy::StepResult::failed(!now ? "cannot read what " + url->redacted() + " holds now"
                                             : "pg_restore --list " + backup_path + " " +
                                                   listed.describe());
    }
    // Objects made after the backup go first (a table added by the failed migration may
    // hold a foreign key to one the backup recreates), in the same transaction as the rest.
    const std::set<DbObject> kept = objects_in_listing(listing);
    std::string drops;
    int dropped = 0;
    for (const auto& [kind, name] : *now) {
      if (kept.count({kind, name}) == 0) {
        drops += "DROP " + kind + " IF EXISTS " + name + " CASCADE;\n";
        ++dropped;
      }
    }
    const auto written = run_client({"pg_restore", "--clean", "--if-exists", "--no-owner",
                                     "--file=" + script + ".body", backup_path},
                                    env, site);
    if (written.succeeded()) {
      std::ofstream out(script, std::ios::trunc);
      out << drops << std::ifstream(script + ".body").rdbuf();
    }
    std::filesystem::remove(script + ".body");
    const auto restored =
        written.succeeded() ? run_client({"psql", "--no-psqlrc", "--quiet", "--single-transaction",
                                          "-v", "ON_ERROR_STOP=1", "--file=" + script},
                                         env, site)
                            : written;
    cleanup();
    if (!restored.succeeded()) {
      return deploy::StepResult::failed("restoring " + backup_path + " into " + url->redacted() +
                                        " " + restored.describe() + " (log: " + site.log_path +
                                        "); the transaction was rolled back, nothing changed");
    }
    return deploy::StepResult::ok(
        "restored " + url->redacted() + " from " + backup_path +
        " in one transaction (pg_restore --clean --if-exists" +
        (dropped > 0 ? ", " + std::to_string(dropped) + " objects made after the backup dropped"
                     : std::string()) +
        ")");
  }

  std::optional<SchemaFingerprint> schema(const manifest::Database& database,
                                          const CommandSite& site) const override {
    const auto url = app_database_url(database, site);
    if (!url) {
      return std::nullopt;
    }
    return read_schema(
        *url,
        {{"table",
          "SELECT table_schema || '.' || table_name, string_agg(column_name || ' ' || data_type"
          " || ' ' || is_nullable || ' ' || COALESCE(column_default, ''), ', '"
          " ORDER BY ordinal_position) FROM information_schema.columns"
          " WHERE table_schema NOT IN ('pg_catalog', 'information_schema')"
          " GROUP BY table_schema, table_name"},
         {"index",
          "SELECT schemaname || '.' || indexname, indexdef FROM pg_indexes"
          " WHERE schemaname NOT IN ('pg_catalog', 'information_schema')"},
         {"type",
          "SELECT n.nspname || '.' || t.typname, string_agg(e.enumlabel, ','"
          " ORDER BY e.enumsortorder) FROM pg_type t JOIN pg_enum e ON e.enumtypid = t.oid"
          " JOIN pg_namespace n ON n.oid = t.typnamespace GROUP BY n.nspname, t.typname"}});
  }
};

}  // namespace

const Engine& postgres_engine() {
  static const PostgresEngine engine;
  return engine;
}

}  // namespace bosun::agent::database::engines
