#include "bosun/checks/sql_connection.hpp"

namespace bosun::checks {

namespace detail {

std::string scrub(std::string message, const std::string& secret) {
  if (secret.empty()) {
    return message;
  }
  for (std::size_t at = message.find(secret); at != std::string::npos;
       at = message.find(secret, at)) {
    message.replace(at, secret.size(), "***");
    at += 3;
  }
  return message;
}

}  // namespace detail

tl::expected<std::unique_ptr<SqlConnection>, SqlError> connect_sql(
    const DatabaseUrl& url, std::chrono::milliseconds timeout) {
  return url.engine == DatabaseEngine::postgres ? detail::connect_postgres(url, timeout)
                                                : detail::connect_mysql(url, timeout);
}

}  // namespace bosun::checks
