#include "state/state_schema.hpp"

#include <sqlite3.h>

#include <stdexcept>
#include <vector>

#include "state/sqlite_connection.hpp"

namespace bosun::agent::state {
namespace {

// Version 1: every table as the agents before schema versions created them.
const char* k_tables =
    "CREATE TABLE IF NOT EXISTS events ("
    " id INTEGER PRIMARY KEY AUTOINCREMENT, unix_ms INTEGER NOT NULL,"
    " service TEXT NOT NULL, kind TEXT NOT NULL, detail TEXT NOT NULL);"
    "CREATE INDEX IF NOT EXISTS events_by_time ON events(unix_ms);"
    "CREATE TABLE IF NOT EXISTS runs (id INTEGER PRIMARY KEY AUTOINCREMENT, kind TEXT NOT NULL,"
    " who TEXT NOT NULL, commit_sha TEXT NOT NULL, release TEXT NOT NULL DEFAULT '',"
    " previous TEXT NOT NULL DEFAULT '', options TEXT NOT NULL DEFAULT '',"
    " started_unix_ms INTEGER NOT NULL, finished_unix_ms INTEGER,"
    " result TEXT NOT NULL DEFAULT '', reason TEXT NOT NULL DEFAULT '');"
    "CREATE TABLE IF NOT EXISTS run_steps (run INTEGER NOT NULL REFERENCES runs(id),"
    " name TEXT NOT NULL, started_unix_ms INTEGER NOT NULL, finished_unix_ms INTEGER,"
    " outcome TEXT NOT NULL DEFAULT '', detail TEXT NOT NULL DEFAULT '',"
    " PRIMARY KEY (run, name));"
    "CREATE TABLE IF NOT EXISTS releases (id TEXT PRIMARY KEY, commit_sha TEXT NOT NULL,"
    " manifest TEXT NOT NULL, state TEXT NOT NULL, reason TEXT NOT NULL DEFAULT '',"
    " schema_version INTEGER, schema_from INTEGER, backup TEXT NOT NULL DEFAULT '',"
    " created_unix_ms INTEGER NOT NULL, verified_unix_ms INTEGER);"
    "CREATE TABLE IF NOT EXISTS deploy_lock (id INTEGER PRIMARY KEY CHECK (id = 1),"
    " holder TEXT NOT NULL, message TEXT NOT NULL, acquired_unix_ms INTEGER NOT NULL,"
    " expires_unix_ms INTEGER NOT NULL);";

bool has_column(SqliteConnection& db, const std::string& table, const std::string& column) {
  sqlite3_stmt* columns = db.prepare("SELECT name FROM pragma_table_info('" + table + "')");
  bool found = false;
  while (!found && ::sqlite3_step(columns) == SQLITE_ROW) {
    found = text_column(columns, 0) == column;
  }
  ::sqlite3_finalize(columns);
  return found;
}

// Version 2: schema versions as text ("007" stays "007"; alembic revision ids), the restore a
// release came back with. (Agents of this release before versions were kept may have added
// some of these already: each is added only when missing.)
void text_schema_versions(SqliteConnection& db) {
  for (const auto& [column, type] :
       std::vector<std::pair<std::string, std::string>>{{"schema_text", "TEXT"},
                                                        {"schema_from_text", "TEXT"},
                                                        {"restored", "TEXT NOT NULL DEFAULT ''"}}) {
    if (!has_column(db, "releases", column)) {
      db.exec("ALTER TABLE releases ADD COLUMN " + column + " " + type);
    }
  }
}

int read_version(SqliteConnection& db) {
  sqlite3_stmt* query = db.prepare("PRAGMA user_version");
  const int version = ::sqlite3_step(query) == SQLITE_ROW ? ::sqlite3_column_int(query, 0) : 0;
  ::sqlite3_finalize(query);
  return version;
}

}  // namespace

void migrate_state_db(const std::string& path) {
  SqliteConnection db(path, "state.db (" + path + ")");
  if (read_version(db) == k_state_schema_version) {
    return;  // the common case: one read, no lock taken
  }
  // One writer migrates; the others wait for it and then find the file current.
  db.exec("BEGIN IMMEDIATE");
  try {
    const int found = read_version(db);
    if (found > k_state_schema_version) {
      throw std::runtime_error(
          "state.db (" + path + ") was written by a newer bosun-agent (schema " +
          std::to_string(found) + "; this agent knows up to " +
          std::to_string(k_state_schema_version) + "): run that agent, or a newer one");
    }
    if (found < 1) {
      db.exec(k_tables);
    }
    if (found < 2) {
      text_schema_versions(db);
    }
    db.exec("PRAGMA user_version = " + std::to_string(k_state_schema_version));
    db.exec("COMMIT");
  } catch (...) {
    try {
      db.exec("ROLLBACK");
    } catch (const std::exception&) {
      // the original error says more
    }
    throw;
  }
}

SqliteConnection open_state_db(const std::string& path, const std::string& what) {
  migrate_state_db(path);
  return SqliteConnection(path, what);
}

int state_schema_version(const std::string& path) {
  SqliteConnection db(path, "state.db (" + path + ")");
  return read_version(db);
}

}  // namespace bosun::agent::state
