// MySQL and MariaDB with bosun's own tools: mysqldump --single-transaction (consistent while
// the app writes, for InnoDB) with routines, triggers and events, checked by its closing
// line; a restore through the mysql client that first drops the tables made after the
// backup; the schema from information_schema. The password reaches the clients in a 0600
// option file, never in an argument.
#include <fcntl.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <set>

#include "bosun/checks/sql_connection.hpp"
#include "bosun/common/fd_io.hpp"
#include "database/engines/engines.hpp"
#include "database/engines/server_tools.hpp"
#include "database/sql_names.hpp"

namespace bosun::agent::database::engines {

namespace {

// An option-file value, quoted so that spaces, '#' and ';' stay part of it.
std::string option_value(const std::string& value) {
  std::string out = "\"";
  for (char c : value) {
    if (c == '\\' || c == '"') {
      out += '\\';
    }
    out += c;
  }
  return out + "\"";
}

// [client] settings for one backup or restore, in a file only the agent's user can read,
// removed when done. The clients take it as their first argument.
class ClientOptions {
 public:
  ClientOptions(const DatabaseUrl& url, const std::string& near) : m_path(near + ".cnf") {
    std::string text = "[client]\n";
    if (!url.user.empty()) {
      text += "user=" + option_value(url.user) + "\n";
    }
    if (!url.password.empty()) {
      text += "password=" + option_value(url.password) + "\n";
    }
    if (url.socket.empty()) {
      text += "protocol=TCP\nhost=" + option_value(url.host) +
              "\nport=" + std::to_string(url.port) + "\n";
    } else {
      text += "socket=" + option_value(url.socket) + "\n";
    }
    ::unlink(m_path.c_str());
    const int fd = ::open(m_path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    m_ok = fd >= 0 && write_all(fd, text);
    if (fd >= 0) {
      ::close(fd);
    }
  }
  ~ClientOptions() { ::unlink(m_path.c_str()); }
  ClientOptions(const ClientOptions&) = delete;
  ClientOptions& operator=(const ClientOptions&) = delete;

  bool ok() const { return m_ok; }
  std::string argument() const { return "--defaults-extra-file=" + m_path; }
  const std::string& path() const { return m_path; }

 private:
  std::string m_path;
  bool m_ok = false;
};

// Table and view names a mysqldump file creates.
std::set<std::string> tables_in_dump(const std::string& path) {
  std::set<std::string> tables;
  std::ifstream in(path);
  std::string line;
  while (std::getline(in, line)) {
    std::size_t at = std::string::npos;
    if (line.starts_with("CREATE TABLE `")) {
      at = 14;
    } else if (line.find("VIEW `") != std::string::npos &&
               line.find("CREATE") != std::string::npos) {
      at = line.find("VIEW `") + 6;
    }
    if (at != std::string::npos) {
      const std::size_t end = line.find('`', at);
      if (end != std::string::npos) {
        tables.insert(line.substr(at, end - at));
      }
    }
  }
  return tables;
}

class MysqlEngine final : public Engine {
 public:
  std::string backup_extension() const override { return "sql"; }

  std::optional<deploy::StepResult> backup(const manifest::Database& database,
                                           const std::string& backup_path,
                                           const CommandSite& site) const override {
    const auto url = app_database_url(database, site);
    if (!url) {
      return deploy::StepResult::failed(url.error());
    }
    const std::string partial = backup_path + ".partial";
    const ClientOptions options(*url, backup_path);
    if (!options.ok()) {
      return deploy::StepResult::failed("cannot write the client options file " + options.path());
    }
    const auto dumped =
        run_client({"mysqldump", options.argument(), "--single-transaction", "--routines",
                    "--triggers", "--events", "--result-file=" + partial, url->database},
                   site.env, site);
    // mysqldump ends a complete dump with this comment; a dump cut short does not have it.
    const bool complete = dumped.succeeded() &&
                          file_tail(partial, 200).find("-- Dump completed") != std::string::npos;
    if (!complete) {
      std::filesystem::remove(partial);
      return deploy::StepResult::failed(
          "mysqldump of " + url->redacted() + " " +
          (dumped.succeeded() ? std::string("wrote an incomplete dump (no \"Dump completed\" line)")
                              : dumped.describe()) +
          " (log: " + site.log_path + ")");
    }
    std::filesystem::rename(partial, backup_path);
    return deploy::StepResult::ok("mysqldump of " + url->redacted() + " to " + backup_path +
                                  " (--single-transaction, routines, triggers, events), "
                                  "complete to its last line");
  }

  std::optional<deploy::StepResult> restore(const manifest::Database& database,
                                            const std::string& backup_path,
                                            const CommandSite& site) const override {
    const auto url = app_database_url(database, site);
    if (!url) {
      return deploy::StepResult::failed(url.error());
    }
    auto connection = checks::connect_sql(*url, std::chrono::milliseconds(10'000));
    if (!connection) {
      return deploy::StepResult::failed("cannot connect to " + url->redacted() + ": " +
                                        connection.error().message);
    }
    const auto rows = (*connection)
                          ->query(
                              "SELECT table_name, table_type FROM information_schema.tables"
                              " WHERE table_schema = DATABASE()");
    if (!rows) {
      return deploy::StepResult::failed("cannot list the tables of " + url->redacted() + ": " +
                                        rows.error().message);
    }
    connection->reset();
    // MySQL commits each DDL statement by itself, so the restore cannot be one transaction:
    // the tables the backup does not have are dropped first, then the dump recreates the
    // rest (its data inside a transaction per table, with autocommit off).
    const std::set<std::string> kept = tables_in_dump(backup_path);
    std::string statements = "SET FOREIGN_KEY_CHECKS=0; ";
    int dropped = 0;
    for (const checks::SqlRow& row : *rows) {
      const std::string name = row[0].value_or("");
      if (kept.count(name) == 0) {
        const bool view = row[1].value_or("") == "VIEW";
        statements += std::string(view ? "DROP VIEW IF EXISTS " : "DROP TABLE IF EXISTS ") +
                      mysql_name(name) + "; ";
        ++dropped;
      }
    }
    // The client's `source` reads its file name up to the ';'.
    if (backup_path.find_first_of(";\n") != std::string::npos) {
      return deploy::StepResult::failed("the backup's path " + backup_path +
                                        " has a ';' or a newline, which the mysql client cannot "
                                        "source");
    }
    statements += "SET autocommit=0; source " + backup_path + "; COMMIT; SET FOREIGN_KEY_CHECKS=1;";
    const ClientOptions options(*url, backup_path);
    if (!options.ok()) {
      return deploy::StepResult::failed("cannot write the client options file " + options.path());
    }
    const auto restored = run_client(
        {"mysql", options.argument(), "--batch", "--execute=" + statements, url->database},
        site.env, site);
    if (!restored.succeeded()) {
      return deploy::StepResult::failed("restoring " + backup_path + " into " + url->redacted() +
                                        " " + restored.describe() + " (log: " + site.log_path +
                                        ")");
    }
    return deploy::StepResult::ok(
        "restored " + url->redacted() + " from " + backup_path + " with the mysql client" +
        (dropped > 0 ? " (" + std::to_string(dropped) + " tables made after the backup dropped)"
                     : std::string()));
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
          "SELECT table_name, GROUP_CONCAT(CONCAT_WS(' ', column_name, column_type, is_nullable,"
          " COALESCE(column_default, ''), extra) ORDER BY ordinal_position SEPARATOR ', ')"
          " FROM information_schema.columns WHERE table_schema = DATABASE() GROUP BY table_name"},
         {"index",
          "SELECT CONCAT(table_name, '.', index_name), GROUP_CONCAT(column_name ORDER BY"
          " seq_in_index) FROM information_schema.statistics WHERE table_schema = DATABASE()"
          " GROUP BY table_name, index_name"}});
  }
};

}  // namespace

const Engine& mysql_engine() {
  static const MysqlEngine engine;
  return engine;
}

}  // namespace bosun::agent::database::engines
