#include "database/database_server.hpp"
#include "bosun/common/fd_io.hpp"

#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>

#include "database/sql_names.hpp"

namespace bosun::agent::database {

namespace {

namespace fs = std::filesystem;

// Where the bootstrap SQL takes the password, put in (quoted) only when it runs.
const std::string k_password_slot = "\x01PASSWORD\x01";

// Runs one first-start command with `input` on its stdin, its output on ours (the service's
// log); "" or why it failed.
std::string run_with_input(const ServerCommand& command) {
  int pipe_fds[2];
  if (::pipe2(pipe_fds, O_CLOEXEC) != 0) {
    return std::string("pipe: ") + std::strerror(errno);
  }
  // Not fork_exec: that gives the child its own process group, and a stop of the service
  // (its group signalled) must reach an initdb in progress too.
  const pid_t pid = ::fork();
  if (pid < 0) {
    return std::string("fork: ") + std::strerror(errno);
  }
  if (pid == 0) {
    ::dup2(pipe_fds[0], STDIN_FILENO);
    std::vector<char*> argv;
    for (const std::string& arg : command.argv) {
      argv.push_back(const_cast<char*>(arg.c_str()));
    }
    argv.push_back(nullptr);
    ::execvp(argv[0], argv.data());
    ::_exit(127);
  }
  ::close(pipe_fds[0]);
  (void)write_all(pipe_fds[1], command.input);  // a tool gone early: its exit status says why
  ::close(pipe_fds[1]);
  int status = 0;
  ::waitpid(pid, &status, 0);
  if (WIFEXITED(status) && WEXITSTATUS(status) == 0) {
    return "";
  }
  return command.argv.front() + " exited with " +
         (WIFEXITED(status) ? "code " + std::to_string(WEXITSTATUS(status)) : "a signal");
}

}  // namespace

std::string newest_postgres_bin() {
  std::string best;
  int best_major = -1;
  std::error_code error;
  for (const auto& entry : fs::directory_iterator("/usr/lib/postgresql", error)) {
    const int major = std::atoi(entry.path().filename().c_str());
    if (major > best_major && fs::exists(entry.path() / "bin" / "postgres")) {
      best_major = major;
      best = (entry.path() / "bin").string();
    }
  }
  return best;
}

ServerPlan postgres_plan(const DatabaseUrl& url, const std::string& data, const std::string& bin) {
  const std::string dir = bin.empty() ? newest_postgres_bin() : bin;
  const auto program = [&](const std::string& name) {
    return dir.empty() ? name : dir + "/" + name;
  };
  ServerPlan plan;
  plan.data = data;
  plan.initialised_marker = data + "/bosun-initialised";
  plan.password_file = "/tmp/bosun-initdb-XXXXXX";  // made with mkstemp at the first start
  const std::string user = url.user.empty() ? "postgres" : url.user;
  plan.first.push_back(
      {{program("initdb"), "-D", data, "-U", user, "--pwfile=" + plan.password_file,
        "--auth-host=scram-sha-256", "--auth-local=scram-sha-256", "-E", "UTF8"},
       ""});
  if (!url.database.empty() && url.database != "postgres") {
    plan.first.push_back({{program("postgres"), "--single", "-D", data, "postgres"},
                          "CREATE DATABASE " + postgres_name(url.database) + " OWNER " +
                              postgres_name(user) + ";\n"});
  }
  plan.server = {program("postgres"),
                 "-D",
                 data,
                 "-p",
                 std::to_string(url.port),
                 "-k",
                 data,
                 "-c",
                 "listen_addresses=" + (url.host.empty() ? "127.0.0.1" : url.host)};
  return plan;
}

ServerPlan mysql_plan(const DatabaseUrl& url, const std::string& data, bool as_root) {
  ServerPlan plan;
  plan.data = data;
  plan.initialised_marker = data + "/bosun-initialised";
  const std::vector<std::string> user_flag =
      as_root ? std::vector<std::string>{"--user=root"} : std::vector<std::string>{};
  std::vector<std::string> install{"mariadb-install-db", "--no-defaults", "--datadir=" + data,
                                   "--auth-root-authentication-method=socket", "--skip-test-db"};
  install.insert(install.end(), user_flag.begin(), user_flag.end());
  plan.first.push_back({install, ""});
  std::string sql;
  if (!url.database.empty()) {
    sql += "CREATE DATABASE IF NOT EXISTS " + mysql_name(url.database) + ";\n";
  }
  if (!url.user.empty()) {
    for (const char* host : {"127.0.0.1", "localhost", "::1"}) {
      const std::string account = mysql_string(url.user) + "@" + mysql_string(host);
      sql += "CREATE USER IF NOT EXISTS " + account + " IDENTIFIED BY " + k_password_slot + ";\n";
      if (!url.database.empty()) {
        sql += "GRANT ALL ON " + mysql_name(url.database) + ".* TO " + account + ";\n";
      }
    }
  }
  std::vector<std::string> bootstrap{"mariadbd", "--no-defaults", "--bootstrap",
                                     "--datadir=" + data};
  bootstrap.insert(bootstrap.end(), user_flag.begin(), user_flag.end());
  // Bootstrap mode starts without the grant tables: FLUSH PRIVILEGES loads them for CREATE USER.
  plan.first.push_back({bootstrap, "use mysql;\nFLUSH PRIVILEGES;\n" + sql});
  plan.server = {"mariadbd",
                 "--no-defaults",
                 "--datadir=" + data,
                 "--port=" + std::to_string(url.port),
                 "--bind-address=" + (url.host.empty() ? "127.0.0.1" : url.host),
                 "--socket=" + data + "/mysqld.sock",
                 "--pid-file=" + data + "/mysqld.pid"};
  plan.server.insert(plan.server.end(), user_flag.begin(), user_flag.end());
  return plan;
}

std::string run_server_plan(const ServerPlan& plan, const std::string& password) {
  if (!fs::exists(plan.initialised_marker)) {
    std::error_code error;
    fs::remove_all(plan.data, error);  // a first start that stopped half way starts over
    std::string password_file = plan.password_file;
    if (!password_file.empty()) {
      const int fd = ::mkstemp(password_file.data());  // 0600, this user's
      const std::string line = password + "\n";
      const bool written = fd >= 0 && write_all(fd, line);
      if (fd >= 0) {
        ::close(fd);
      }
      if (!written) {
        return "cannot write a password file in /tmp";
      }
    }
    fs::create_directories(fs::path(plan.data).parent_path(), error);
    for (ServerCommand command : plan.first) {
      for (std::string& arg : command.argv) {
        if (arg == "--pwfile=" + plan.password_file) {
          arg = "--pwfile=" + password_file;
        }
      }
      // The password reaches the bootstrap on stdin only.
      const std::string literal = mysql_string(password);
      for (auto at = command.input.find(k_password_slot); at != std::string::npos;
           at = command.input.find(k_password_slot, at + literal.size())) {
        command.input.replace(at, k_password_slot.size(), literal);
      }
      const std::string failed = run_with_input(command);
      if (!failed.empty()) {
        fs::remove(password_file, error);
        return "first start: " + failed + " (its output is above)";
      }
    }
    fs::remove(password_file, error);
    // Written last: a first start cut short is started over, never taken as done.
    if (::close(::open(plan.initialised_marker.c_str(), O_WRONLY | O_CREAT | O_CLOEXEC, 0600)) !=
        0) {
      return "cannot write " + plan.initialised_marker;
    }
  }
  std::vector<char*> argv;
  for (const std::string& arg : plan.server) {
    argv.push_back(const_cast<char*>(arg.c_str()));
  }
  argv.push_back(nullptr);
  ::execvp(argv[0], argv.data());
  return "cannot run " + plan.server.front() + ": " + std::strerror(errno);
}

}  // namespace bosun::agent::database
