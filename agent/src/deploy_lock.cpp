#include "deploy_lock.hpp"

#include <sqlite3.h>

#include <stdexcept>

#include "bosun/common/duration.hpp"

namespace bosun::agent {
namespace {

class Db {
 public:
  explicit Db(const std::string& path) {
    if (::sqlite3_open(path.c_str(), &m_db) != SQLITE_OK) {
      const std::string error = m_db != nullptr ? ::sqlite3_errmsg(m_db) : "out of memory";
      ::sqlite3_close(m_db);
      throw std::runtime_error("cannot open " + path + ": " + error);
    }
    ::sqlite3_busy_timeout(m_db, 5000);
    exec(
        "PRAGMA journal_mode=WAL;"
        "CREATE TABLE IF NOT EXISTS deploy_lock (id INTEGER PRIMARY KEY CHECK (id = 1), holder "
        "TEXT NOT NULL,"
        " message TEXT NOT NULL, acquired_unix_ms INTEGER NOT NULL, expires_unix_ms INTEGER NOT "
        "NULL)");
  }
  ~Db() { ::sqlite3_close(m_db); }
  Db(const Db&) = delete;
  Db& operator=(const Db&) = delete;

  void exec(const std::string& sql) {
    char* error = nullptr;
    if (::sqlite3_exec(m_db, sql.c_str(), nullptr, nullptr, &error) != SQLITE_OK) {
      const std::string message = error != nullptr ? error : "unknown error";
      ::sqlite3_free(error);
      throw std::runtime_error("deploy lock: " + message);
    }
  }

  std::optional<LockInfo> read() {
    sqlite3_stmt* query = nullptr;
    ::sqlite3_prepare_v2(
        m_db, "SELECT holder, message, acquired_unix_ms, expires_unix_ms FROM deploy_lock", -1,
        &query, nullptr);
    std::optional<LockInfo> lock;
    if (::sqlite3_step(query) == SQLITE_ROW) {
      lock = LockInfo{reinterpret_cast<const char*>(::sqlite3_column_text(query, 0)),
                      reinterpret_cast<const char*>(::sqlite3_column_text(query, 1)),
                      ::sqlite3_column_int64(query, 2), ::sqlite3_column_int64(query, 3)};
    }
    ::sqlite3_finalize(query);
    return lock;
  }

  void write(const LockInfo& lock) {
    sqlite3_stmt* upsert = nullptr;
    ::sqlite3_prepare_v2(m_db,
                         "INSERT OR REPLACE INTO deploy_lock (id, holder, message, "
                         "acquired_unix_ms, expires_unix_ms)"
                         " VALUES (1, ?, ?, ?, ?)",
                         -1, &upsert, nullptr);
    ::sqlite3_bind_text(upsert, 1, lock.holder.c_str(), -1, SQLITE_TRANSIENT);
    ::sqlite3_bind_text(upsert, 2, lock.message.c_str(), -1, SQLITE_TRANSIENT);
    ::sqlite3_bind_int64(upsert, 3, lock.acquired_unix_ms);
    ::sqlite3_bind_int64(upsert, 4, lock.expires_unix_ms);
    const int rc = ::sqlite3_step(upsert);
    ::sqlite3_finalize(upsert);
    if (rc != SQLITE_DONE) {
      throw std::runtime_error(std::string("deploy lock: ") + ::sqlite3_errmsg(m_db));
    }
  }

 private:
  sqlite3* m_db = nullptr;
};

}  // namespace

DeployLock::DeployLock(std::string state_db) : m_path(std::move(state_db)) {}

LockOutcome DeployLock::acquire(const LockInfo& wanted, bool force, std::int64_t now_unix_ms) {
  Db db(m_path);
  db.exec("BEGIN IMMEDIATE");  // the read and the write below are one atomic step
  LockOutcome outcome;
  try {
    outcome.previous = db.read();
    const bool free = !outcome.previous;
    const bool mine = outcome.previous && outcome.previous->holder == wanted.holder;
    const bool expired = outcome.previous && outcome.previous->expires_unix_ms <= now_unix_ms;
    if (free || mine || expired || force) {
      LockInfo lock = wanted;
      lock.acquired_unix_ms = mine ? outcome.previous->acquired_unix_ms : now_unix_ms;
      db.write(lock);
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
  Db db(m_path);
  db.exec("BEGIN IMMEDIATE");
  const auto current = db.read();
  const bool allowed = current && (current->holder == holder || force);
  if (allowed) {
    db.exec("DELETE FROM deploy_lock");
  }
  db.exec("COMMIT");
  return allowed;
}

std::optional<LockInfo> DeployLock::status() {
  Db db(m_path);
  return db.read();
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

}  // namespace bosun::agent
