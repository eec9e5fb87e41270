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

namespace bosun::checks {
namespace {

using Clock = std::chrono::steady_clock;

CheckResult result(Status status, std::string evidence, std::string action,
                   Clock::time_point start) {
  return CheckResult{status, std::move(evidence), std::move(action),
                     std::chrono::duration_cast<std::chrono::microseconds>(Clock::now() - start)};
}

}  // namespace

CheckResult run_log_check(const manifest::LogCheck& check, const CheckContext& context) {
  const auto start = Clock::now();
  std::ifstream in(context.log_path, std::ios::binary);
  if (!in) {
    return result(Status::fail, "no log yet at " + context.log_path,
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
      return result(Status::pass, "log line " + quote_for_message(line), "", start);
    }
  }
  return result(Status::fail, "no line containing " + quote_for_message(check.pattern) + " yet",
                "look at the service's log for what it is waiting on", start);
}

CheckResult run_exec_check(const manifest::ExecCheck& check, const CheckContext& context) {
  const auto start = Clock::now();
  std::vector<std::string> words =
      check.command.uses_shell() ? std::vector<std::string>{"/bin/sh", "-c", check.command.shell}
                                 : check.command.argv;
  std::vector<char*> argv;
  for (std::string& word : words) {
    argv.push_back(word.data());
  }
  argv.push_back(nullptr);
  std::vector<std::string> env_strings;
  for (const auto& [name, value] : context.env) {
    env_strings.push_back(name + "=" + value);
  }
  std::vector<char*> envp;
  for (std::string& entry : env_strings) {
    envp.push_back(entry.data());
  }
  envp.push_back(nullptr);
  int pipe_fds[2];
  if (::pipe2(pipe_fds, O_CLOEXEC) != 0) {
    return result(Status::fail, "cannot create a pipe", "", start);
  }
  const pid_t pid = ::fork();
  if (pid < 0) {
    ::close(pipe_fds[0]);
    ::close(pipe_fds[1]);
    return result(Status::fail, "cannot fork", "", start);
  }
  if (pid == 0) {
    ::setpgid(0, 0);
    ::dup2(pipe_fds[1], 1);
    ::dup2(pipe_fds[1], 2);
    ::syscall(SYS_close_range, 3U, ~0U, 0U);
    if (!context.cwd.empty() && ::chdir(context.cwd.c_str()) != 0) {
      ::_exit(126);
    }
    sigset_t none;
    sigemptyset(&none);
    ::sigprocmask(SIG_SETMASK, &none, nullptr);
    ::execvpe(argv[0], argv.data(), envp.data());
    ::_exit(127);
  }
  ::close(pipe_fds[1]);
  std::string output;
  char buffer[4096];
  const auto deadline = start + context.timeout;
  bool timed_out = false;
  while (true) {
    const auto left =
        std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
    if (left.count() <= 0) {
      timed_out = true;
      break;
    }
    pollfd waiting{pipe_fds[0], POLLIN, 0};
    if (::poll(&waiting, 1, static_cast<int>(left.count())) != 1) {
      continue;
    }
    const ssize_t n = ::read(pipe_fds[0], buffer, sizeof buffer);
    if (n <= 0) {
      break;
    }
    if (output.size() < 64 * 1024) {
      output.append(buffer, static_cast<std::size_t>(n));
    }
  }
  ::close(pipe_fds[0]);
  if (timed_out) {
    ::kill(-pid, SIGKILL);
  }
  int status = 0;
  ::waitpid(pid, &status, 0);
  const std::string shown = output.size() > 200 ? output.substr(output.size() - 200) : output;
  if (timed_out) {
    return result(Status::fail, "timed out after " + format_duration(context.timeout),
                  "make the command faster or raise the timeout", start);
  }
  const int code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  const std::string observed = "exit " + std::to_string(code) +
                               (shown.empty() ? "" : ", output " + quote_for_message(trim(shown)));
  if (code != check.exit_code) {
    return result(Status::fail,
                  observed + " (expected exit " + std::to_string(check.exit_code) + ")",
                  "run the command by hand to see why", start);
  }
  if (!check.output_contains.empty() && output.find(check.output_contains) == std::string::npos) {
    return result(Status::fail,
                  observed + " (output lacks " + quote_for_message(check.output_contains) + ")",
                  "run the command by hand to see why", start);
  }
  return result(Status::pass, observed, "", start);
}

CheckResult run_sqlite_check(const manifest::SqliteCheck& check, const CheckContext& context) {
  const auto start = Clock::now();
  sqlite3* db = nullptr;
  if (::sqlite3_open_v2(check.path.c_str(), &db, SQLITE_OPEN_READONLY, nullptr) != SQLITE_OK) {
    const std::string error = db != nullptr ? ::sqlite3_errmsg(db) : "out of memory";
    ::sqlite3_close(db);
    return result(Status::fail, "cannot open " + check.path + ": " + error,
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
    return result(Status::fail, quote_for_message(check.query) + " failed: " + error,
                  "check the database and the query", start);
  }
  return result(Status::pass,
                quote_for_message(check.query) + " returned " + quote_for_message(observed), "",
                start);
}

}  // namespace bosun::checks
