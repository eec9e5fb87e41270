#pragma once
// Runs one check from a manifest (http, tcp, redis, log, exec, sqlite,
// postgres, mysql) and says what it saw.
// The same code serves readiness gates, liveness probes and post-deploy verification.
// Every check is bounded by its timeout and never throws.

#include <chrono>
#include <cstdint>
#include <map>
#include <string>

#include "bosun/manifest/model.hpp"

namespace bosun::checks {

enum class Status { pass, warn, fail };

std::string to_string(Status status);

struct CheckResult {
  Status status = Status::fail;
  std::string evidence;  // what was observed, e.g. "HTTP 503 in 2.1ms: {...}"
  std::string action;    // for failures: what a person can do about it
  std::chrono::microseconds took{0};
  // http: the expected status came, but the body lacks `body_contains` (a probe that wants the
  // instance's own pid can tell another instance's answer by this).
  bool body_mismatch = false;

  bool passed() const { return status == Status::pass; }
};

struct CheckContext {
  std::chrono::milliseconds timeout{2000};
  std::string log_path;          // for log checks: the service's log file
  std::uint64_t log_offset = 0;  // ... read from here (the service's start)
  // for exec checks, redis' password_env and the postgres/mysql URLs
  std::map<std::string, std::string> env;
  std::string cwd;  // for exec checks
};

CheckResult run_check(const manifest::CheckKind& check, const CheckContext& context);

// Individual kinds, for callers that know which one they have.
CheckResult run_tcp_check(const manifest::TcpCheck& check, const CheckContext& context);
CheckResult run_http_check(const manifest::HttpCheck& check, const CheckContext& context);
CheckResult run_redis_check(const manifest::RedisCheck& check, const CheckContext& context);
CheckResult run_log_check(const manifest::LogCheck& check, const CheckContext& context);
CheckResult run_exec_check(const manifest::ExecCheck& check, const CheckContext& context);
CheckResult run_sqlite_check(const manifest::SqliteCheck& check, const CheckContext& context);
CheckResult run_postgres_check(const manifest::PostgresCheck& check, const CheckContext& context);
CheckResult run_mysql_check(const manifest::MysqlCheck& check, const CheckContext& context);

}  // namespace bosun::checks
