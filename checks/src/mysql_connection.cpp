// MySQL and MariaDB through MariaDB Connector/C. TCP unless the URL names a socket, the way
// the apps' drivers (PyMySQL, mysql2) connect; read and write timeouts bound every query.
#include <errmsg.h>
#include <mysql.h>
#include <mysqld_error.h>

#include <algorithm>
#include <mutex>

#include "bosun/checks/sql_connection.hpp"

namespace bosun::checks::detail {

namespace {

SqlError::Kind kind_of_failure(unsigned int code) {
  switch (code) {
    case ER_ACCESS_DENIED_ERROR:
    case ER_DBACCESS_DENIED_ERROR:
      return SqlError::Kind::authentication;
    case ER_BAD_DB_ERROR:
      return SqlError::Kind::no_database;
    case CR_CONNECTION_ERROR:
    case CR_CONN_HOST_ERROR:
    case CR_UNKNOWN_HOST:
    case CR_SERVER_LOST:
    case CR_SERVER_GONE_ERROR:
      return SqlError::Kind::unreachable;
    default:
      return SqlError::Kind::other;
  }
}

class MysqlConnection final : public SqlConnection {
 public:
  MysqlConnection(MYSQL* connection, std::string password)
      : m_connection(connection), m_password(std::move(password)) {}
  ~MysqlConnection() override { ::mysql_close(m_connection); }
  MysqlConnection(const MysqlConnection&) = delete;
  MysqlConnection& operator=(const MysqlConnection&) = delete;

  tl::expected<std::vector<SqlRow>, SqlError> query(const std::string& sql) override {
    if (::mysql_real_query(m_connection, sql.data(), sql.size()) != 0) {
      return tl::make_unexpected(
          SqlError{SqlError::Kind::query, scrub(::mysql_error(m_connection), m_password)});
    }
    MYSQL_RES* result = ::mysql_store_result(m_connection);
    std::vector<SqlRow> rows;
    if (result == nullptr) {
      if (::mysql_field_count(m_connection) != 0) {
        return tl::make_unexpected(
            SqlError{SqlError::Kind::query, scrub(::mysql_error(m_connection), m_password)});
      }
      return rows;  // a statement without rows
    }
    const unsigned int columns = ::mysql_num_fields(result);
    while (MYSQL_ROW row = ::mysql_fetch_row(result)) {
      const unsigned long* lengths = ::mysql_fetch_lengths(result);
      SqlRow values;
      for (unsigned int column = 0; column < columns; ++column) {
        if (row[column] == nullptr) {
          values.emplace_back(std::nullopt);
        } else {
          values.emplace_back(std::string(row[column], lengths[column]));
        }
      }
      rows.push_back(std::move(values));
    }
    ::mysql_free_result(result);
    return rows;
  }

  std::string server_version() const override {
    const std::string version = ::mysql_get_server_info(m_connection);  // "10.11.19-MariaDB-..."
    const bool mariadb = version.find("MariaDB") != std::string::npos;
    return std::string(mariadb ? "MariaDB " : "MySQL ") + version.substr(0, version.find('-'));
  }

 private:
  MYSQL* m_connection;
  std::string m_password;
};

}  // namespace

tl::expected<std::unique_ptr<SqlConnection>, SqlError> connect_mysql(
    const DatabaseUrl& url, std::chrono::milliseconds timeout) {
  // The library's global set-up is not thread-safe; probes connect from several threads.
  static std::once_flag initialised;
  std::call_once(initialised, [] { ::mysql_library_init(0, nullptr, nullptr); });
  MYSQL* connection = ::mysql_init(nullptr);
  if (connection == nullptr) {
    return tl::make_unexpected(SqlError{SqlError::Kind::other, "out of memory"});
  }
  const unsigned int seconds =
      std::max(1U, static_cast<unsigned int>((timeout.count() + 999) / 1000));
  ::mysql_options(connection, MYSQL_OPT_CONNECT_TIMEOUT, &seconds);
  ::mysql_options(connection, MYSQL_OPT_READ_TIMEOUT, &seconds);
  ::mysql_options(connection, MYSQL_OPT_WRITE_TIMEOUT, &seconds);
  if (url.socket.empty()) {
    const unsigned int tcp = MYSQL_PROTOCOL_TCP;
    ::mysql_options(connection, MYSQL_OPT_PROTOCOL, &tcp);
  }
  const char* host = url.socket.empty() ? url.host.c_str() : "localhost";
  if (::mysql_real_connect(connection, host, url.user.empty() ? nullptr : url.user.c_str(),
                           url.password.c_str(),
                           url.database.empty() ? nullptr : url.database.c_str(), url.port,
                           url.socket.empty() ? nullptr : url.socket.c_str(), 0) == nullptr) {
    SqlError error{kind_of_failure(::mysql_errno(connection)),
                   scrub(::mysql_error(connection), url.password)};
    ::mysql_close(connection);
    return tl::make_unexpected(std::move(error));
  }
  return std::make_unique<MysqlConnection>(connection, url.password);
}

}  // namespace bosun::checks::detail
