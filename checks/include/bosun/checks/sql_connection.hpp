#pragma once
// A connection to a Postgres or MySQL/MariaDB server from a database URL, through the
// engines' own client libraries (libpq, MariaDB Connector/C): for the postgres and mysql
// checks and for what the agent reads from the app's database (schema, alembic_version).
// The password goes to the library only; error texts are scrubbed of it.

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <tl/expected.hpp>

#include "bosun/common/database_url.hpp"

namespace bosun::checks {

using SqlRow = std::vector<std::optional<std::string>>;  // nullopt: NULL

// Why a connection or a query failed, sorted so that the action can be named.
struct SqlError {
  enum class Kind { unreachable, authentication, no_database, query, other };
  Kind kind = Kind::other;
  std::string message;
};

class SqlConnection {
 public:
  virtual ~SqlConnection() = default;
  // Runs one statement; its rows (none for statements that return none).
  virtual tl::expected<std::vector<SqlRow>, SqlError> query(const std::string& sql) = 0;
  // "PostgreSQL 15.18", "MariaDB 10.11.19".
  virtual std::string server_version() const = 0;
};

// Connects within `timeout` (libpq counts it in whole seconds, at least 2).
tl::expected<std::unique_ptr<SqlConnection>, SqlError> connect_sql(
    const DatabaseUrl& url, std::chrono::milliseconds timeout);

namespace detail {
tl::expected<std::unique_ptr<SqlConnection>, SqlError> connect_postgres(
    const DatabaseUrl& url, std::chrono::milliseconds timeout);
tl::expected<std::unique_ptr<SqlConnection>, SqlError> connect_mysql(
    const DatabaseUrl& url, std::chrono::milliseconds timeout);
// `message` with every occurrence of `secret` replaced (libraries may echo what they got).
std::string scrub(std::string message, const std::string& secret);
}  // namespace detail

}  // namespace bosun::checks
