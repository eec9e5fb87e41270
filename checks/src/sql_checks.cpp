// postgres and mysql checks: connect with the app's own URL, run one query, time both. The
// evidence names the server by its redacted URL; the action follows from how it failed.
#include "bosun/checks/check_runner.hpp"
#include "bosun/checks/sql_connection.hpp"
#include "bosun/common/text.hpp"
#include "make_result.hpp"
#include "socket_util.hpp"

namespace bosun::checks {

namespace {

using detail::Clock;

std::string action_for(const SqlError& error, const std::string& source) {
  switch (error.kind) {
    case SqlError::Kind::unreachable:
      return "start the database server, or correct the host and port in " + source;
    case SqlError::Kind::authentication:
      return "check the user and password in " + source + " against the server's accounts";
    case SqlError::Kind::no_database:
      return "create the database, or correct its name in " + source;
    case SqlError::Kind::query:
      return "run the query by hand to see why";
    case SqlError::Kind::other:
      break;
  }
  return "check " + source + " and the server's log";
}

// The URL the check connects with, or why there is none. `source` says where it came from.
tl::expected<DatabaseUrl, std::string> resolve_url(const manifest::SqlServerCheck& check,
                                                   const CheckContext& context,
                                                   std::string& source) {
  source = check.url.empty() ? check.url_env : "the check's url";
  auto url = check.url.empty() ? database_url_from(context.env, check.url_env)
                               : parse_database_url(check.url);
  if (!url) {
    return tl::make_unexpected(check.url.empty() ? url.error() : source + ": " + url.error());
  }
  if (!check.password_env.empty()) {
    const auto password = context.env.find(check.password_env);
    if (password == context.env.end()) {
      return tl::make_unexpected(check.password_env +
                                 " (the password) is not set in the app's "
                                 "environment");
    }
    url->password = password->second;
  }
  return url;
}

CheckResult run_sql_server_check(DatabaseEngine engine, const manifest::SqlServerCheck& check,
                                 const CheckContext& context) {
  const auto start = Clock::now();
  std::string source;
  const auto url = resolve_url(check, context, source);
  if (!url) {
    return detail::make_result(Status::fail, url.error(),
                               "set it in shared/.env or the manifest's env", start);
  }
  if (url->engine != engine) {
    return detail::make_result(Status::fail,
                               source + " is a " + to_string(url->engine) + " URL (" +
                                   url->redacted() + "), not " + to_string(engine),
                               "use the " + to_string(url->engine) + " check kind", start);
  }
  auto connection = connect_sql(*url, context.timeout);
  if (!connection) {
    return detail::make_result(
        Status::fail, "cannot connect to " + url->redacted() + ": " + connection.error().message,
        action_for(connection.error(), source), start);
  }
  const auto connected = Clock::now();
  auto rows = (*connection)->query(check.query);
  const std::string server = url->redacted() + " (" + (*connection)->server_version() + ")";
  if (!rows) {
    return detail::make_result(Status::fail,
                               "connected to " + server + ", but " +
                                   quote_for_message(check.query) +
                                   " failed: " + rows.error().message,
                               action_for(rows.error(), source), start);
  }
  std::string value = "no rows";
  if (!rows->empty() && !rows->front().empty()) {
    value = quote_for_message(rows->front().front().value_or("NULL"));
  }
  return detail::make_result(
      Status::pass,
      "connected to " + server + " in " +
          detail::format_micros(
              std::chrono::duration_cast<std::chrono::microseconds>(connected - start)) +
          ", " + quote_for_message(check.query) + " returned " + value,
      "", start);
}

}  // namespace

CheckResult run_postgres_check(const manifest::PostgresCheck& check, const CheckContext& context) {
  return run_sql_server_check(DatabaseEngine::postgres, check, context);
}

CheckResult run_mysql_check(const manifest::MysqlCheck& check, const CheckContext& context) {
  return run_sql_server_check(DatabaseEngine::mysql, check, context);
}

}  // namespace bosun::checks
