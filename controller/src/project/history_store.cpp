#include "project/history_store.hpp"

#include <sqlite3.h>

#include <filesystem>
#include <memory>
#include <stdexcept>

namespace bosun::controller::project {
namespace {

using Database = std::unique_ptr<sqlite3, decltype(&sqlite3_close)>;

// Every SQLite call is checked: a history that cannot be written (a read-only or corrupt file,
// a full disk) says so instead of losing the run without a word.
[[noreturn]] void fail(sqlite3* db, const std::string& path, const std::string& doing) {
  throw std::runtime_error("history " + path + ": " + doing + ": " + sqlite3_errmsg(db));
}

void exec(sqlite3* db, const std::string& path, const char* sql, const std::string& doing) {
  if (sqlite3_exec(db, sql, nullptr, nullptr, nullptr) != SQLITE_OK) {
    fail(db, path, doing);
  }
}

// A prepared statement, finalized on every path.
class Statement {
 public:
  Statement(sqlite3* db, const std::string& path, const char* sql) : m_db(db), m_path(path) {
    if (sqlite3_prepare_v2(db, sql, -1, &m_statement, nullptr) != SQLITE_OK) {
      fail(db, path, "preparing a query");
    }
  }
  ~Statement() { sqlite3_finalize(m_statement); }
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;
  sqlite3_stmt* get() const { return m_statement; }
  // True while rows come; false once done. Throws on an error.
  bool next_row(const std::string& doing) {
    const int rc = sqlite3_step(m_statement);
    if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
      fail(m_db, m_path, doing);
    }
    return rc == SQLITE_ROW;
  }

 private:
  sqlite3* m_db;
  const std::string& m_path;
  sqlite3_stmt* m_statement = nullptr;
};

Database open(const std::string& path) {
  sqlite3* raw = nullptr;
  if (sqlite3_open(path.c_str(), &raw) != SQLITE_OK) {
    const std::string reason = raw != nullptr ? sqlite3_errmsg(raw) : "out of memory";
    sqlite3_close(raw);
    throw std::runtime_error("history " + path + ": " + reason);
  }
  Database db(raw, sqlite3_close);
  sqlite3_busy_timeout(raw, 5000);
  exec(raw, path,
       "CREATE TABLE IF NOT EXISTS runs (id INTEGER PRIMARY KEY AUTOINCREMENT,"
       " kind TEXT NOT NULL, stage TEXT NOT NULL, who TEXT NOT NULL, commit_sha TEXT NOT"
       " NULL, started_unix_ms INTEGER NOT NULL, finished_unix_ms INTEGER NOT NULL,"
       " ok INTEGER NOT NULL, summary TEXT NOT NULL);"
       "CREATE TABLE IF NOT EXISTS run_hosts (run INTEGER NOT NULL REFERENCES runs(id),"
       " host TEXT NOT NULL, from_commit TEXT NOT NULL, to_commit TEXT NOT NULL,"
       " result TEXT NOT NULL, reason TEXT NOT NULL, duration_ms INTEGER NOT NULL);",
       "creating its tables");
  // Added later: histories written before it get the column (empty) on their next open. Only
  // "it is there already" is expected here.
  if (sqlite3_exec(raw, "ALTER TABLE run_hosts ADD COLUMN restored_backup TEXT NOT NULL DEFAULT ''",
                   nullptr, nullptr, nullptr) != SQLITE_OK &&
      std::string(sqlite3_errmsg(raw)).find("duplicate column") == std::string::npos) {
    fail(raw, path, "adding the restored_backup column");
  }
  return db;
}

std::string text(sqlite3_stmt* statement, int column) {
  const auto* value = sqlite3_column_text(statement, column);
  return value != nullptr ? reinterpret_cast<const char*>(value) : "";
}

}  // namespace

HistoryStore::HistoryStore(std::string path) : m_path(std::move(path)) {
  std::filesystem::create_directories(std::filesystem::path(m_path).parent_path());
  open(m_path);
}

std::int64_t HistoryStore::record(const HistoryEntry& entry) {
  Database db = open(m_path);
  exec(db.get(), m_path, "BEGIN", "starting a transaction");
  try {
    Statement insert(db.get(), m_path,
                     "INSERT INTO runs (kind, stage, who, commit_sha, started_unix_ms,"
                     " finished_unix_ms, ok, summary) VALUES (?, ?, ?, ?, ?, ?, ?, ?)");
    int i = 1;
    for (const std::string* value : {&entry.kind, &entry.stage, &entry.who, &entry.commit}) {
      sqlite3_bind_text(insert.get(), i++, value->c_str(), -1, SQLITE_TRANSIENT);
    }
    sqlite3_bind_int64(insert.get(), i++, entry.started_unix_ms);
    sqlite3_bind_int64(insert.get(), i++, entry.finished_unix_ms);
    sqlite3_bind_int(insert.get(), i++, entry.ok ? 1 : 0);
    sqlite3_bind_text(insert.get(), i, entry.summary.c_str(), -1, SQLITE_TRANSIENT);
    insert.next_row("recording the run");
    const std::int64_t id = sqlite3_last_insert_rowid(db.get());
    for (const fleet::HostOutcome& host : entry.hosts) {
      Statement row(db.get(), m_path,
                    "INSERT INTO run_hosts (run, host, from_commit, to_commit, result, reason,"
                    " restored_backup, duration_ms) VALUES (?, ?, ?, ?, ?, ?, ?, ?)");
      sqlite3_bind_int64(row.get(), 1, id);
      int column = 2;
      const std::string result(to_string(host.result));
      for (const std::string* value : {&host.host, &host.from_commit, &host.to_commit, &result,
                                       &host.reason, &host.restored_backup}) {
        sqlite3_bind_text(row.get(), column++, value->c_str(), -1, SQLITE_TRANSIENT);
      }
      sqlite3_bind_int64(row.get(), column, host.took.count());
      row.next_row("recording host " + host.host);
    }
    exec(db.get(), m_path, "COMMIT", "committing the run");
    return id;
  } catch (const std::runtime_error&) {
    sqlite3_exec(db.get(), "ROLLBACK", nullptr, nullptr, nullptr);  // nothing half recorded
    throw;
  }
}

std::vector<HistoryEntry> HistoryStore::recent(std::size_t limit) {
  Database db = open(m_path);
  std::vector<HistoryEntry> entries;
  {
    Statement query(db.get(), m_path,
                    "SELECT id, kind, stage, who, commit_sha, started_unix_ms, finished_unix_ms,"
                    " ok, summary FROM runs ORDER BY id DESC LIMIT ?");
    sqlite3_bind_int64(query.get(), 1, static_cast<sqlite3_int64>(limit));
    while (query.next_row("reading the runs")) {
      HistoryEntry entry;
      entry.id = sqlite3_column_int64(query.get(), 0);
      entry.kind = text(query.get(), 1);
      entry.stage = text(query.get(), 2);
      entry.who = text(query.get(), 3);
      entry.commit = text(query.get(), 4);
      entry.started_unix_ms = sqlite3_column_int64(query.get(), 5);
      entry.finished_unix_ms = sqlite3_column_int64(query.get(), 6);
      entry.ok = sqlite3_column_int(query.get(), 7) != 0;
      entry.summary = text(query.get(), 8);
      entries.push_back(std::move(entry));
    }
  }
  for (HistoryEntry& entry : entries) {
    Statement hosts(db.get(), m_path,
                    "SELECT host, from_commit, to_commit, result, reason, duration_ms,"
                    " restored_backup FROM run_hosts WHERE run = ? ORDER BY rowid");
    sqlite3_bind_int64(hosts.get(), 1, entry.id);
    while (hosts.next_row("reading the hosts of run " + std::to_string(entry.id))) {
      fleet::HostOutcome host;
      host.host = text(hosts.get(), 0);
      host.from_commit = text(hosts.get(), 1);
      host.to_commit = text(hosts.get(), 2);
      host.result =
          fleet::parse_host_result(text(hosts.get(), 3)).value_or(fleet::HostResult::failed);
      host.reason = text(hosts.get(), 4);
      host.took = std::chrono::milliseconds(sqlite3_column_int64(hosts.get(), 5));
      host.restored_backup = text(hosts.get(), 6);
      entry.hosts.push_back(std::move(host));
    }
  }
  return entries;
}

}  // namespace bosun::controller::project
