#pragma once
// A thin RAII layer over the SQLite C API: one connection, prepared statements, and
// transactions that roll back unless committed.

#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

struct sqlite3;
struct sqlite3_stmt;

namespace platform {

class DatabaseError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// A unique-constraint violation, reported apart so callers can answer "already exists".
class ConstraintError : public DatabaseError {
 public:
  using DatabaseError::DatabaseError;
};

class Statement {
 public:
  Statement(sqlite3* db, const std::string& sql);
  ~Statement();
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;

  Statement& bind(int index, std::int64_t value);
  Statement& bind(int index, const std::string& value);
  Statement& bind_null(int index);

  // Advances to the next row; false when done. Throws on errors.
  bool step();
  // Runs a statement that returns no rows.
  void run();

  std::int64_t column_int(int index) const;
  std::string column_text(int index) const;
  bool column_is_null(int index) const;

 private:
  sqlite3* m_db;
  sqlite3_stmt* m_stmt = nullptr;
};

class Database {
 public:
  // Opens (creating if needed) with WAL, foreign keys on and a busy timeout.
  explicit Database(const std::string& path);
  ~Database();
  Database(const Database&) = delete;
  Database& operator=(const Database&) = delete;

  void exec(const std::string& sql);
  Statement prepare(const std::string& sql) { return Statement(m_db, sql); }
  std::int64_t last_insert_id() const;
  std::int64_t changes() const;
  sqlite3* handle() { return m_db; }

 private:
  sqlite3* m_db = nullptr;
};

// BEGIN IMMEDIATE on construction; ROLLBACK on destruction unless commit() was called.
class Transaction {
 public:
  explicit Transaction(Database& db);
  ~Transaction();
  Transaction(const Transaction&) = delete;
  Transaction& operator=(const Transaction&) = delete;
  void commit();

 private:
  Database& m_db;
  bool m_done = false;
};

// Connections for request threads: each borrower gets one to itself.
class ConnectionPool {
 public:
  explicit ConnectionPool(std::string path) : m_path(std::move(path)) {}

  class Lease {
   public:
    Lease(ConnectionPool& pool, std::unique_ptr<Database> db) : m_pool(pool), m_db(std::move(db)) {}
    ~Lease() { m_pool.give_back(std::move(m_db)); }
    Lease(const Lease&) = delete;
    Lease& operator=(const Lease&) = delete;
    Database& operator*() { return *m_db; }
    Database* operator->() { return m_db.get(); }

   private:
    ConnectionPool& m_pool;
    std::unique_ptr<Database> m_db;
  };

  Lease acquire();
  const std::string& path() const { return m_path; }

 private:
  void give_back(std::unique_ptr<Database> db);

  std::string m_path;
  std::mutex m_mutex;
  std::vector<std::unique_ptr<Database>> m_idle;
};

// DATABASE_URL "sqlite:///relative.db" or "sqlite:////absolute/path.db" -> file path.
std::optional<std::string> sqlite_path_from_url(const std::string& url);

}  // namespace platform
