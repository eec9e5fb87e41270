#include "core/sqlite_db.hpp"

#include <sqlite3.h>

namespace platform {
namespace {

[[noreturn]] void fail(sqlite3* db, int code, const std::string& what) {
  const std::string message =
      what + ": " + (db != nullptr ? sqlite3_errmsg(db) : sqlite3_errstr(code));
  if ((code & 0xff) == SQLITE_CONSTRAINT) {
    throw ConstraintError(message);
  }
  throw DatabaseError(message);
}

}  // namespace

Statement::Statement(sqlite3* db, const std::string& sql) : m_db(db) {
  const int rc =
      sqlite3_prepare_v2(db, sql.c_str(), static_cast<int>(sql.size()), &m_stmt, nullptr);
  if (rc != SQLITE_OK) {
    fail(db, rc, "prepare");
  }
}

Statement::~Statement() {
  sqlite3_finalize(m_stmt);
}

Statement& Statement::bind(int index, std::int64_t value) {
  const int rc = sqlite3_bind_int64(m_stmt, index, value);
  if (rc != SQLITE_OK) {
    fail(m_db, rc, "bind");
  }
  return *this;
}

Statement& Statement::bind(int index, const std::string& value) {
  const int rc = sqlite3_bind_text(m_stmt, index, value.data(), static_cast<int>(value.size()),
                                   SQLITE_TRANSIENT);
  if (rc != SQLITE_OK) {
    fail(m_db, rc, "bind");
  }
  return *this;
}

Statement& Statement::bind_null(int index) {
  const int rc = sqlite3_bind_null(m_stmt, index);
  if (rc != SQLITE_OK) {
    fail(m_db, rc, "bind");
  }
  return *this;
}

bool Statement::step() {
  const int rc = sqlite3_step(m_stmt);
  if (rc == SQLITE_ROW) {
    return true;
  }
  if (rc == SQLITE_DONE) {
    return false;
  }
  fail(m_db, rc, "step");
}

void Statement::run() {
  while (step()) {
  }
}

std::int64_t Statement::column_int(int index) const {
  return sqlite3_column_int64(m_stmt, index);
}

std::string Statement::column_text(int index) const {
  const auto* text = sqlite3_column_text(m_stmt, index);
  const int size = sqlite3_column_bytes(m_stmt, index);
  return text == nullptr
             ? std::string()
             : std::string(reinterpret_cast<const char*>(text), static_cast<std::size_t>(size));
}

bool Statement::column_is_null(int index) const {
  return sqlite3_column_type(m_stmt, index) == SQLITE_NULL;
}

Database::Database(const std::string& path) {
  const int rc =
      sqlite3_open_v2(path.c_str(), &m_db,
                      SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, nullptr);
  if (rc != SQLITE_OK) {
    const std::string message = "cannot open database " + path + ": " +
                                (m_db != nullptr ? sqlite3_errmsg(m_db) : sqlite3_errstr(rc));
    sqlite3_close(m_db);
    m_db = nullptr;
    throw DatabaseError(message);
  }
  sqlite3_busy_timeout(m_db, 5000);
  exec("PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;");
}

Database::~Database() {
  sqlite3_close_v2(m_db);
}

void Database::exec(const std::string& sql) {
  char* error = nullptr;
  const int rc = sqlite3_exec(m_db, sql.c_str(), nullptr, nullptr, &error);
  if (rc != SQLITE_OK) {
    const std::string message = error != nullptr ? error : sqlite3_errstr(rc);
    sqlite3_free(error);
    if ((rc & 0xff) == SQLITE_CONSTRAINT) {
      throw ConstraintError(message);
    }
    throw DatabaseError(message);
  }
}

std::int64_t Database::last_insert_id() const {
  return sqlite3_last_insert_rowid(m_db);
}
std::int64_t Database::changes() const {
  return sqlite3_changes(m_db);
}

Transaction::Transaction(Database& db) : m_db(db) {
  m_db.exec("BEGIN IMMEDIATE");
}

Transaction::~Transaction() {
  if (!m_done) {
    try {
      m_db.exec("ROLLBACK");
    } catch (const DatabaseError&) {
      // Already rolled back by SQLite (e.g. after a failed COMMIT); nothing left to undo.
    }
  }
}

void Transaction::commit() {
  m_db.exec("COMMIT");
  m_done = true;
}

ConnectionPool::Lease ConnectionPool::acquire() {
  {
    std::lock_guard lock(m_mutex);
    if (!m_idle.empty()) {
      auto db = std::move(m_idle.back());
      m_idle.pop_back();
      return Lease(*this, std::move(db));
    }
  }
  return Lease(*this, std::make_unique<Database>(m_path));
}

void ConnectionPool::give_back(std::unique_ptr<Database> db) {
  if (!db) {
    return;
  }
  std::lock_guard lock(m_mutex);
  m_idle.push_back(std::move(db));
}

std::optional<std::string> sqlite_path_from_url(const std::string& url) {
  const std::string prefix = "sqlite:///";
  if (!url.starts_with(prefix) || url.size() == prefix.size()) {
    return std::nullopt;
  }
  return url.substr(prefix.size());
}

}  // namespace platform
