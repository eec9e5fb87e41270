#include "state/sqlite_connection.hpp"

#include <sqlite3.h>
#include <sys/stat.h>

#include <stdexcept>
#include <utility>

namespace bosun::agent::state {

SqliteConnection::SqliteConnection(const std::string& path, std::string what)
    : m_what(std::move(what)) {
  if (::sqlite3_open(path.c_str(), &m_db) != SQLITE_OK) {
    const std::string error = m_db != nullptr ? ::sqlite3_errmsg(m_db) : "out of memory";
    ::sqlite3_close(m_db);
    m_db = nullptr;
    throw std::runtime_error(m_what + ": cannot open " + path + ": " + error);
  }
  ::sqlite3_busy_timeout(m_db, 5000);
  exec("PRAGMA journal_mode=WAL");
  // The agent's own state: 0600, also where an older agent left it readable (SQLite gives the
  // -wal and -shm files the database's mode when it makes them).
  for (const char* suffix : {"", "-wal", "-shm"}) {
    ::chmod((path + suffix).c_str(), 0600);
  }
}

SqliteConnection::SqliteConnection(SqliteConnection&& other) noexcept
    : m_db(std::exchange(other.m_db, nullptr)), m_what(std::move(other.m_what)) {}

SqliteConnection::~SqliteConnection() {
  ::sqlite3_close(m_db);
}

void SqliteConnection::fail() const {
  throw std::runtime_error(m_what + ": " + ::sqlite3_errmsg(m_db));
}

void SqliteConnection::exec(const std::string& sql) {
  char* error = nullptr;
  if (::sqlite3_exec(m_db, sql.c_str(), nullptr, nullptr, &error) != SQLITE_OK) {
    const std::string message = error != nullptr ? error : "unknown error";
    ::sqlite3_free(error);
    throw std::runtime_error(m_what + ": " + message);
  }
}

void SqliteConnection::run(const std::string& sql, const std::vector<std::string>& texts,
                           const std::vector<std::int64_t>& numbers) {
  sqlite3_stmt* statement = prepare(sql);
  int index = 1;
  for (const std::string& text : texts) {
    ::sqlite3_bind_text(statement, index++, text.c_str(), -1, SQLITE_TRANSIENT);
  }
  for (std::int64_t number : numbers) {
    ::sqlite3_bind_int64(statement, index++, number);
  }
  const int rc = ::sqlite3_step(statement);
  ::sqlite3_finalize(statement);
  if (rc != SQLITE_DONE) {
    fail();
  }
}

sqlite3_stmt* SqliteConnection::prepare(const std::string& sql) {
  sqlite3_stmt* statement = nullptr;
  if (::sqlite3_prepare_v2(m_db, sql.c_str(), -1, &statement, nullptr) != SQLITE_OK) {
    fail();
  }
  return statement;
}

std::int64_t SqliteConnection::last_id() const {
  return ::sqlite3_last_insert_rowid(m_db);
}

std::string text_column(sqlite3_stmt* statement, int column) {
  const auto* value = ::sqlite3_column_text(statement, column);
  return value != nullptr ? reinterpret_cast<const char*>(value) : "";
}

}  // namespace bosun::agent::state
