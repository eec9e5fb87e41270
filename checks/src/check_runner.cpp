#include "bosun/checks/check_runner.hpp"

#include <variant>

namespace bosun::checks {

std::string to_string(Status status) {
  switch (status) {
    case Status::pass:
      return "pass";
    case Status::warn:
      return "warn";
    case Status::fail:
      break;
  }
  return "fail";
}

CheckResult run_check(const manifest::CheckKind& check, const CheckContext& context) {
  struct Runner {
    const CheckContext& context;
    CheckResult operator()(const manifest::HttpCheck& c) const {
      return run_http_check(c, context);
    }
    CheckResult operator()(const manifest::TcpCheck& c) const { return run_tcp_check(c, context); }
    CheckResult operator()(const manifest::RedisCheck& c) const {
      return run_redis_check(c, context);
    }
    CheckResult operator()(const manifest::LogCheck& c) const { return run_log_check(c, context); }
    CheckResult operator()(const manifest::ExecCheck& c) const {
      return run_exec_check(c, context);
    }
    CheckResult operator()(const manifest::SqliteCheck& c) const {
      return run_sqlite_check(c, context);
    }
    CheckResult operator()(const manifest::PostgresCheck& c) const {
      return run_postgres_check(c, context);
    }
    CheckResult operator()(const manifest::MysqlCheck& c) const {
      return run_mysql_check(c, context);
    }
  };
  return std::visit(Runner{context}, check);
}

}  // namespace bosun::checks
