// log, exec and sqlite checks: they look at files and programs on this host.

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <sqlite3.h>

#include <fstream>

#include "bosun/checks/check_runner.hpp"
#include "bosun/common/text.hpp"
#include "capture.hpp"
#include "make_result.hpp"

namespace bosun::checks {
namespace {

using detail::Clock;

}  // namespace

CheckResult run_log_check(const manifest::LogCheck& check, const CheckContext& context) {
  const auto start = Clock::now();
  std::ifstream in(context.log_path, std::ios::binary);
  if (!in) {
    return detail::make_result(Status::fail, "no log yet at " + context.log_path,
                               "wait for the service to write", start);
  }
  in.seekg(0, std::ios::end);
  const auto size = static_cast<std::uint64_t>(in.tellg());
  // A rotation (copytruncate) makes the file shorter than where the service started.
  const std::uint64_t from = context.log_offset <= size ? context.log_offset : 0;
  in.seekg(static_cast<std::streamoff>(from));
  std::string line;
  while (std::getline(in, line)) {
    if (line.find(check.pattern) != std::string::npos) {
      return detail::make_result(Status::pass, "log line " + quote_for_message(line), "", start);
    }
  }
  return detail::make_result(Status::fail,
                             "no line containing " + quote_for_message(check.pattern) + " yet",
                             "look at the service's log for what it is waiting on", start);
}

CheckResult run_exec_check(const manifest::ExecCheck& check, const CheckContext& context) {
  const auto start = Clock::now();
  const std::vector<std::string> argv =
      check.command.uses_shell() ? std::vector<std::string>{"/bin/sh", "-c", check.command.shell}
                                 : check.command.argv;
  const detail::Captured run =
      detail::capture_command(argv, context.env, context.cwd, context.timeout);
  if (!run.started) {
    return detail::make_result(Status::fail, "cannot start " + argv.front(), "check the command",
                               start);
  }
  if (run.timed_out) {
    return detail::make_result(Status::fail, "timed out after " + format_duration(context.timeout),
                               "make the command faster or raise the timeout", start);
  }
  const std::string& output = run.output;
  const std::string shown = output.size() > 200 ? output.substr(output.size() - 200) : output;
  const std::string observed = "exit " + std::to_string(run.exit_code) +
                               (shown.empty() ? "" : ", output " + quote_for_message(trim(shown)));
  if (run.exit_code != check.exit_code) {
    return detail::make_result(
        Status::fail, observed + " (expected exit " + std::to_string(check.exit_code) + ")",
        "run the command by hand to see why", start);
  }
  if (!check.output_contains.empty() && output.find(check.output_contains) == std::string::npos) {
    return detail::make_result(
        Status::fail, observed + " (output lacks " + quote_for_message(check.output_contains) + ")",
        "run the command by hand to see why", start);
  }
  return detail::make_result(Status::pass, observed, "", start);
}

CheckResult run_sqlite_check(const manifest::SqliteCheck& check, const CheckContext& context) {
  const auto start = Clock::now();
  sqlite3* db = nullptr;
  if (::sqlite3_open_v2(check.path.c_str(), &db, SQLITE_OPEN_READONLY, nullptr) != SQLITE_OK) {
    const std::string error = db != nullptr ? ::sqlite3_errmsg(db) : "out of memory";
    ::sqlite3_close(db);
    return detail::make_result(Status::fail, "cannot open " + check.path + ": " + error,
                               "check the database path and its permissions", start);
  }
  ::sqlite3_busy_timeout(db, static_cast<int>(context.timeout.count()));
  sqlite3_stmt* statement = nullptr;
  std::string observed;
  bool ok = false;
  if (::sqlite3_prepare_v2(db, check.query.c_str(), -1, &statement, nullptr) == SQLITE_OK) {
    const int rc = ::sqlite3_step(statement);
    ok = rc == SQLITE_ROW || rc == SQLITE_DONE;
    if (rc == SQLITE_ROW && ::sqlite3_column_count(statement) > 0) {
      const auto* text = ::sqlite3_column_text(statement, 0);
      observed = text != nullptr ? reinterpret_cast<const char*>(text) : "NULL";
    }
  }
  const std::string error = ok ? "" : ::sqlite3_errmsg(db);
  ::sqlite3_finalize(statement);
  ::sqlite3_close(db);
  if (!ok) {
    return detail::make_result(Status::fail, quote_for_message(check.query) + " failed: " + error,
                               "check the database and the query", start);
  }
  return detail::make_result(
      Status::pass, quote_for_message(check.query) + " returned " + quote_for_message(observed), "",
      start);
}

}  // namespace bosun::checks
