// Postgres through libpq: a blocking connection with connect_timeout and a statement_timeout,
// so that a probe never waits longer than its own timeout (rounded up to whole seconds).
#include <libpq-fe.h>

#include <algorithm>
#include <vector>

#include "bosun/checks/sql_connection.hpp"
#include "bosun/common/text.hpp"

namespace bosun::checks::detail {

namespace {

// URL options libpq knows; drivers' own (SQLAlchemy's, asyncpg's) are left out.
bool is_libpq_option(const std::string& key) {
  static const std::vector<std::string> known{
      "sslmode", "sslrootcert",          "sslcert",    "sslkey",
      "sslcrl",  "target_session_attrs", "gssencmode", "channel_binding"};
  return std::find(known.begin(), known.end(), key) != known.end();
}

SqlError::Kind kind_of_failure(const std::string& message) {
  if (message.find("password authentication failed") != std::string::npos ||
      message.find("no password supplied") != std::string::npos ||
      message.find("no pg_hba.conf entry") != std::string::npos ||
      message.find("authentication failed") != std::string::npos) {
    return SqlError::Kind::authentication;
  }
  if (message.find("does not exist") != std::string::npos &&
      message.find("database") != std::string::npos) {
    return SqlError::Kind::no_database;
  }
  if (message.find("Connection refused") != std::string::npos ||
      message.find("No such file or directory") != std::string::npos ||
      message.find("timeout expired") != std::string::npos ||
      message.find("could not translate host name") != std::string::npos ||
      message.find("the database system is starting up") != std::string::npos ||
      message.find("the database system is shutting down") != std::string::npos) {
    return SqlError::Kind::unreachable;
  }
  return SqlError::Kind::other;
}

class PostgresConnection final : public SqlConnection {
 public:
  PostgresConnection(PGconn* connection, std::string password)
      : m_connection(connection), m_password(std::move(password)) {}
  ~PostgresConnection() override { ::PQfinish(m_connection); }
  PostgresConnection(const PostgresConnection&) = delete;
  PostgresConnection& operator=(const PostgresConnection&) = delete;

  tl::expected<std::vector<SqlRow>, SqlError> query(const std::string& sql) override {
    PGresult* result = ::PQexec(m_connection, sql.c_str());
    const ExecStatusType status = ::PQresultStatus(result);
    if (status != PGRES_TUPLES_OK && status != PGRES_COMMAND_OK) {
      const std::string message =
          scrub(std::string(trim(::PQerrorMessage(m_connection))), m_password);
      ::PQclear(result);
      return tl::make_unexpected(SqlError{SqlError::Kind::query, message});
    }
    std::vector<SqlRow> rows;
    const int columns = ::PQnfields(result);
    for (int row = 0; row < ::PQntuples(result); ++row) {
      SqlRow values;
      for (int column = 0; column < columns; ++column) {
        if (::PQgetisnull(result, row, column) != 0) {
          values.emplace_back(std::nullopt);
        } else {
          values.emplace_back(::PQgetvalue(result, row, column));
        }
      }
      rows.push_back(std::move(values));
    }
    ::PQclear(result);
    return rows;
  }

  std::string server_version() const override {
    const int version = ::PQserverVersion(m_connection);  // 150018
    return "PostgreSQL " + std::to_string(version / 10000) + "." + std::to_string(version % 10000);
  }

 private:
  PGconn* m_connection;
  std::string m_password;
};

}  // namespace

tl::expected<std::unique_ptr<SqlConnection>, SqlError> connect_postgres(
    const DatabaseUrl& url, std::chrono::milliseconds timeout) {
  const long seconds = std::max<long>(2, static_cast<long>((timeout.count() + 999) / 1000));
  std::vector<std::pair<std::string, std::string>> settings{
      {"host", url.socket.empty() ? url.host : url.socket},
      {"port", std::to_string(url.port)},
      {"dbname", url.database},
      {"connect_timeout", std::to_string(seconds)},
      {"application_name", "bosun"},
      {"options", "-c statement_timeout=" + std::to_string(timeout.count())}};
  if (!url.user.empty()) {
    settings.emplace_back("user", url.user);
  }
  if (!url.password.empty()) {
    settings.emplace_back("password", url.password);
  }
  for (const auto& [key, value] : url.options) {
    if (is_libpq_option(key)) {
      settings.emplace_back(key, value);
    }
  }
  std::vector<const char*> keys;
  std::vector<const char*> values;
  for (const auto& [key, value] : settings) {
    if (!value.empty()) {
      keys.push_back(key.c_str());
      values.push_back(value.c_str());
    }
  }
  keys.push_back(nullptr);
  values.push_back(nullptr);
  PGconn* connection = ::PQconnectdbParams(keys.data(), values.data(), 0);
  if (connection == nullptr) {
    return tl::make_unexpected(SqlError{SqlError::Kind::other, "out of memory"});
  }
  if (::PQstatus(connection) != CONNECTION_OK) {
    const std::string message =
        scrub(std::string(trim(::PQerrorMessage(connection))), url.password);
    ::PQfinish(connection);
    return tl::make_unexpected(SqlError{kind_of_failure(message), message});
  }
  return std::make_unique<PostgresConnection>(connection, url.password);
}

}  // namespace bosun::checks::detail
