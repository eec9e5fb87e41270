#pragma once
// Database connection URLs as apps keep them in their environment (DATABASE_URL):
// postgres://, postgresql:// and mysql:// / mariadb://, with SQLAlchemy's driver suffixes
// (postgresql+psycopg2://, mysql+pymysql://). The password is kept apart so that everything a
// message shows (redacted(), parse errors) is free of it.

#include <cstdint>
#include <map>
#include <string>
#include <string_view>

#include <tl/expected.hpp>

namespace bosun {

enum class DatabaseEngine { postgres, mysql };

std::string to_string(DatabaseEngine engine);  // "postgres", "mysql"

struct DatabaseUrl {
  DatabaseEngine engine = DatabaseEngine::postgres;
  std::string scheme;  // as written, e.g. "postgresql+psycopg2"
  std::string user;
  std::string password;  // percent-decoded; never shown
  std::string host;      // empty when `socket` is set
  std::uint16_t port = 0;
  std::string database;
  // A Unix socket: postgres' socket folder (?host=/run/postgresql), mysql's socket file
  // (?unix_socket=/run/mysqld/mysqld.sock).
  std::string socket;
  std::map<std::string, std::string> options;  // the other query parameters (sslmode, ...)

  // "postgres://app@127.0.0.1:5432/app": the URL without its password, fit for any message.
  std::string redacted() const;
  // "127.0.0.1:5432" or the socket.
  std::string address() const;
};

// Errors name what is wrong without repeating the URL (it may hold a password).
[[nodiscard]] tl::expected<DatabaseUrl, std::string> parse_database_url(std::string_view text);

// A URL without a password takes the one the engine's own clients would: PGPASSWORD for
// postgres, MYSQL_PWD for mysql, from `env`.
void take_password_from(const std::map<std::string, std::string>& env, DatabaseUrl& url);

// The URL in env[`name`], with take_password_from() applied. Errors name the variable and
// never repeat its value: "DATABASE_URL is not set in the app's environment",
// "DATABASE_URL: not a usable database URL: ...".
[[nodiscard]] tl::expected<DatabaseUrl, std::string> database_url_from(
    const std::map<std::string, std::string>& env, const std::string& name);

// True for the schemes parse_database_url() takes (before parsing the rest).
bool is_database_url(std::string_view text);

}  // namespace bosun
