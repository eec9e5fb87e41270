#include "project/history_store.hpp"

#include <sqlite3.h>

#include <filesystem>
#include <memory>
#include <stdexcept>

namespace bosun::controller::project {
namespace {

using Database = std::unique_ptr<sqlite3, decltype(&sqlite3_close)>;

Database open(const std::string& path) {
  sqlite3* raw = nullptr;
  if (sqlite3_open(path.c_str(), &raw) != SQLITE_OK) {
    const std::string reason = raw != nullptr ? sqlite3_errmsg(raw) : "out of memory";
    sqlite3_close(raw);
    throw std::runtime_error("history " + path + ": " + reason);
  }
  Database db(raw, sqlite3_close);
  sqlite3_busy_timeout(raw, 5000);
  sqlite3_exec(raw,
               "CREATE TABLE IF NOT EXISTS runs (id INTEGER PRIMARY KEY AUTOINCREMENT,"
               " kind TEXT NOT NULL, stage TEXT NOT NULL, who TEXT NOT NULL, commit_sha TEXT NOT"
               " NULL, started_unix_ms INTEGER NOT NULL, finished_unix_ms INTEGER NOT NULL,"
               " ok INTEGER NOT NULL, summary TEXT NOT NULL);"
               "CREATE TABLE IF NOT EXISTS run_hosts (run INTEGER NOT NULL REFERENCES runs(id),"
               " host TEXT NOT NULL, from_commit TEXT NOT NULL, to_commit TEXT NOT NULL,"
               " result TEXT NOT NULL, reason TEXT NOT NULL, duration_ms INTEGER NOT NULL);",
               nullptr, nullptr, nullptr);
  // Added later: histories written before it get the column (empty) on their next open.
  sqlite3_exec(raw, "ALTER TABLE run_hosts ADD COLUMN restored_backup TEXT NOT NULL DEFAULT ''",
               nullptr, nullptr, nullptr);
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
  sqlite3_exec(db.get(), "BEGIN", nullptr, nullptr, nullptr);
  sqlite3_stmt* insert = nullptr;
  sqlite3_prepare_v2(db.get(),
                     "INSERT INTO runs (kind, stage, who, commit_sha, started_unix_ms,"
                     " finished_unix_ms, ok, summary) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                     -1, &insert, nullptr);
  int i = 1;
  for (const std::string* value : {&entry.kind, &entry.stage, &entry.who, &entry.commit}) {
    sqlite3_bind_text(insert, i++, value->c_str(), -1, SQLITE_TRANSIENT);
  }
  sqlite3_bind_int64(insert, i++, entry.started_unix_ms);
  sqlite3_bind_int64(insert, i++, entry.finished_unix_ms);
  sqlite3_bind_int(insert, i++, entry.ok ? 1 : 0);
  sqlite3_bind_text(insert, i, entry.summary.c_str(), -1, SQLITE_TRANSIENT);
  sqlite3_step(insert);
  sqlite3_finalize(insert);
  const std::int64_t id = sqlite3_last_insert_rowid(db.get());
  for (const fleet::HostOutcome& host : entry.hosts) {
    sqlite3_stmt* row = nullptr;
    sqlite3_prepare_v2(db.get(),
                       "INSERT INTO run_hosts (run, host, from_commit, to_commit, result, reason,"
                       " restored_backup, duration_ms) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                       -1, &row, nullptr);
    sqlite3_bind_int64(row, 1, id);
    int column = 2;
    const std::string result(to_string(host.result));
    for (const std::string* value : {&host.host, &host.from_commit, &host.to_commit, &result,
                                     &host.reason, &host.restored_backup}) {
      sqlite3_bind_text(row, column++, value->c_str(), -1, SQLITE_TRANSIENT);
    }
    sqlite3_bind_int64(row, column, host.took.count());
    sqlite3_step(row);
    sqlite3_finalize(row);
  }
  sqlite3_exec(db.get(), "COMMIT", nullptr, nullptr, nullptr);
  return id;
}

std::vector<HistoryEntry> HistoryStore::recent(std::size_t limit) {
  Database db = open(m_path);
  std::vector<HistoryEntry> entries;
  sqlite3_stmt* query = nullptr;
  sqlite3_prepare_v2(db.get(),
                     "SELECT id, kind, stage, who, commit_sha, started_unix_ms, finished_unix_ms,"
                     " ok, summary FROM runs ORDER BY id DESC LIMIT ?",
                     -1, &query, nullptr);
  sqlite3_bind_int64(query, 1, static_cast<sqlite3_int64>(limit));
  while (sqlite3_step(query) == SQLITE_ROW) {
    HistoryEntry entry;
    entry.id = sqlite3_column_int64(query, 0);
    entry.kind = text(query, 1);
    entry.stage = text(query, 2);
    entry.who = text(query, 3);
    entry.commit = text(query, 4);
    entry.started_unix_ms = sqlite3_column_int64(query, 5);
    entry.finished_unix_ms = sqlite3_column_int64(query, 6);
    entry.ok = sqlite3_column_int(query, 7) != 0;
    entry.summary = text(query, 8);
    entries.push_back(std::move(entry));
  }
  sqlite3_finalize(query);
  for (HistoryEntry& entry : entries) {
    sqlite3_stmt* hosts = nullptr;
    sqlite3_prepare_v2(db.get(),
                       "SELECT host, from_commit, to_commit, result, reason, duration_ms,"
                       " restored_backup FROM run_hosts WHERE run = ? ORDER BY rowid",
                       -1, &hosts, nullptr);
    sqlite3_bind_int64(hosts, 1, entry.id);
    while (sqlite3_step(hosts) == SQLITE_ROW) {
      fleet::HostOutcome host;
      host.host = text(hosts, 0);
      host.from_commit = text(hosts, 1);
      host.to_commit = text(hosts, 2);
      host.result = fleet::parse_host_result(text(hosts, 3)).value_or(fleet::HostResult::failed);
      host.reason = text(hosts, 4);
      host.took = std::chrono::milliseconds(sqlite3_column_int64(hosts, 5));
      host.restored_backup = text(hosts, 6);
      entry.hosts.push_back(std::move(host));
    }
    sqlite3_finalize(hosts);
  }
  return entries;
}

}  // namespace bosun::controller::project
