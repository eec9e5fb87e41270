#pragma once
// One SQLite connection to the agent's state.db (WAL, busy timeout), for the stores that
// live there: the deploy lock and the deploy journal. Errors throw std::runtime_error.

#include <cstdint>
#include <string>
#include <vector>

struct sqlite3;
struct sqlite3_stmt;

namespace bosun::agent::state {

class SqliteConnection {
 public:
  // `what` prefixes error messages, e.g. "deploy lock".
  SqliteConnection(const std::string& path, std::string what);
  ~SqliteConnection();
  SqliteConnection(SqliteConnection&& other) noexcept;
  SqliteConnection(const SqliteConnection&) = delete;
  SqliteConnection& operator=(const SqliteConnection&) = delete;
  SqliteConnection& operator=(SqliteConnection&&) = delete;

  void exec(const std::string& sql);
  // Runs `sql`, binding `texts` to the first parameters and `numbers` to the ones after them.
  void run(const std::string& sql, const std::vector<std::string>& texts,
           const std::vector<std::int64_t>& numbers);
  // A prepared statement; the caller finalizes it.
  sqlite3_stmt* prepare(const std::string& sql);
  std::int64_t last_id() const;

 private:
  [[noreturn]] void fail() const;

  sqlite3* m_db = nullptr;
  std::string m_what;
};

std::string text_column(sqlite3_stmt* statement, int column);

}  // namespace bosun::agent::state
