#include "state/deploy_lock.hpp"

#include <sqlite3.h>

#include <stdexcept>

#include "bosun/common/duration.hpp"
#include "state/sqlite_connection.hpp"
#include "state/state_schema.hpp"

namespace bosun::agent::state {
namespace {

SqliteConnection open_lock_table(const std::string& path) {
  return open_state_db(path, "deploy lock");
}

std::optional<LockInfo> read_lock(SqliteConnection& db) {
  sqlite3_stmt* query =
      db.prepare("SELECT holder, message, acquired_unix_ms, expires_unix_ms FROM deploy_lock");
  std::optional<LockInfo> lock;
  if (::sqlite3_step(query) == SQLITE_ROW) {
    lock = LockInfo{text_column(query, 0), text_column(query, 1), ::sqlite3_column_int64(query, 2),
                    ::sqlite3_column_int64(query, 3)};
  }
  ::sqlite3_finalize(query);
  return lock;
}

void write_lock(SqliteConnection& db, const LockInfo& lock) {
  db.run(
      "INSERT OR REPLACE INTO deploy_lock (id, holder, message, acquired_unix_ms, expires_unix_ms)"
      " VALUES (1, ?, ?, ?, ?)",
      {lock.holder, lock.message}, {lock.acquired_unix_ms, lock.expires_unix_ms});
}

}  // namespace

DeployLock::DeployLock(std::string state_db) : m_path(std::move(state_db)) {}

LockOutcome DeployLock::acquire(const LockInfo& wanted, bool force, std::int64_t now_unix_ms) {
  SqliteConnection db = open_lock_table(m_path);
  db.exec("BEGIN IMMEDIATE");  // the read and the write below are one atomic step
  LockOutcome outcome;
  try {
    outcome.previous = read_lock(db);
    const bool free = !outcome.previous;
    const bool mine = outcome.previous && outcome.previous->holder == wanted.holder;
    const bool expired = outcome.previous && outcome.previous->expires_unix_ms <= now_unix_ms;
    if (free || mine || expired || force) {
      LockInfo lock = wanted;
      lock.acquired_unix_ms = mine ? outcome.previous->acquired_unix_ms : now_unix_ms;
      write_lock(db, lock);
      outcome.acquired = true;
      outcome.took_over = !free && !mine;
    }
    db.exec("COMMIT");
  } catch (...) {
    db.exec("ROLLBACK");
    throw;
  }
  return outcome;
}

bool DeployLock::release(const std::string& holder, bool force) {
  SqliteConnection db = open_lock_table(m_path);
  db.exec("BEGIN IMMEDIATE");
  const auto current = read_lock(db);
  const bool allowed = current && (current->holder == holder || force);
  if (allowed) {
    db.exec("DELETE FROM deploy_lock");
  }
  db.exec("COMMIT");
  return allowed;
}

std::optional<LockInfo> DeployLock::status() {
  SqliteConnection db = open_lock_table(m_path);
  return read_lock(db);
}

std::string describe_lock(const LockInfo& lock, std::int64_t now_unix_ms) {
  const auto held =
      std::chrono::milliseconds(std::max<std::int64_t>(0, now_unix_ms - lock.acquired_unix_ms));
  const auto left = lock.expires_unix_ms - now_unix_ms;
  return "held by " + lock.holder + " for " +
         format_duration(std::chrono::duration_cast<std::chrono::seconds>(held)) +
         (lock.message.empty() ? "" : " (\"" + lock.message + "\")") +
         (left > 0
              ? ", expires in " + format_duration(std::chrono::duration_cast<std::chrono::seconds>(
                                      std::chrono::milliseconds(left)))
              : ", expired");
}

}  // namespace bosun::agent::state
