#pragma once
// The loopback fleet the controller's end-to-end tests run against: real sshd instances on
// 127.0.0.x with generated host keys and a test user key, each host with its own agent
// (installed by `bosun setup`) and root, serving the platform's server on its own address.

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>
#include <thread>

#include <Poco/JSON/Array.h>
#include <Poco/JSON/Parser.h>
#include <gtest/gtest.h>

#include "child_process.hpp"
#include "git_repo.hpp"
#include "http_client.hpp"
#include "interpreter_app.hpp"
#include "platform_fixture.hpp"
#include "ssh_fleet.hpp"

namespace bosun::test::fleet {

namespace fs = std::filesystem;
using std::chrono::seconds;

const std::string k_secret = "fleet-secret-9f8e7d6c5b4a39281706f5e4d3c2b1a0";

struct BosunRun {
  int code = -1;
  std::string output;
};

inline std::string read_file(const std::string& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

inline Poco::JSON::Object::Ptr json_of(const std::string& text) {
  Poco::JSON::Parser parser;
  return parser.parse(text).extract<Poco::JSON::Object::Ptr>();
}

// Runs `argv` with a pseudo-terminal as its stdin, stdout and stderr (as a person at a
// terminal would), returning what it wrote there and its exit code (-1 if it outlived
// `timeout`, then killed).
inline BosunRun run_on_terminal(const std::vector<std::string>& argv,
                                const std::vector<std::string>& env, const std::string& cwd,
                                seconds timeout) {
  BosunRun run;
  const int master = ::posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC);
  if (master < 0 || ::grantpt(master) != 0 || ::unlockpt(master) != 0) {
    ADD_FAILURE() << "no pseudo-terminal: " << std::strerror(errno);
    return run;
  }
  const std::string slave = ::ptsname(master);
  std::vector<char*> args;
  for (const std::string& arg : argv) {
    args.push_back(const_cast<char*>(arg.c_str()));
  }
  args.push_back(nullptr);
  std::vector<char*> envp;
  for (const std::string& entry : env) {
    envp.push_back(const_cast<char*>(entry.c_str()));
  }
  envp.push_back(nullptr);
  const pid_t pid = ::fork();
  if (pid == 0) {
    ::setsid();
    const int terminal = ::open(slave.c_str(), O_RDWR);
    if (terminal < 0 || ::dup2(terminal, 0) < 0 || ::dup2(terminal, 1) < 0 ||
        ::dup2(terminal, 2) < 0 || ::chdir(cwd.c_str()) != 0) {
      ::_exit(126);
    }
    ::execve(args[0], args.data(), envp.data());
    ::_exit(127);
  }
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  char buffer[4096];
  while (std::chrono::steady_clock::now() < deadline) {
    pollfd readable{master, POLLIN, 0};
    if (::poll(&readable, 1, 100) <= 0) {
      continue;
    }
    const ssize_t n = ::read(master, buffer, sizeof buffer);
    if (n <= 0) {
      break;  // EIO: every holder of the terminal closed it
    }
    run.output.append(buffer, static_cast<std::size_t>(n));
  }
  int status = 0;
  pid_t done = 0;
  while (done == 0 && std::chrono::steady_clock::now() < deadline) {
    done = ::waitpid(pid, &status, WNOHANG);
    if (done == 0) {
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
  }
  if (done == 0) {
    ::kill(pid, SIGKILL);
    ::waitpid(pid, &status, 0);
  } else {
    run.code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  }
  ::close(master);
  return run;
}

class FleetTest : public ::testing::Test {
 protected:
  void SetUp() override {
    redis = std::make_unique<RedisServer>(work.path());
    fs::create_directories(work.path() + "/home");
  }

  void TearDown() override {
    for (const std::string& root : roots) {
      if (fs::exists(root + "/agent.sock")) {
        ChildProcess stop({{BOSUN_AGENT_BIN, "stop-all", "--root", root}, {}, root, ""});
        stop.wait(seconds(20));
        wait_until([&] { return !fs::exists(root + "/agent.sock"); }, seconds(20));
      }
    }
  }

  // The project: a git repository with app.yaml for `count` hosts of `fleet`.
  void make_project(SshFleet& fleet, const std::string& extra_env = "") {
    hosts_dir = work.path() + "/hosts";
    std::ostringstream yaml;
    yaml << "app: fleet\nrepo: " << repo.path() << "\nroot: " << hosts_dir << "/${host}\n"
         << "stages:\n  test:\n    hosts: [";
    for (std::size_t i = 0; i < fleet.size(); ++i) {
      yaml << (i == 0 ? "" : ", ") << fleet.entry(i);
      roots.push_back(hosts_dir + "/" + fleet.address(i));
    }
    yaml << "]\nssh: {identity: " << fleet.identity() << ", known_hosts: " << fleet.known_hosts()
         << ", connect_timeout: 5s}\n"
         << "secrets: [JWT_SECRET_KEY]\n"
         << "env:\n  DATABASE_URL: sqlite:///${shared}/app.db\n"
         << "  REDIS_URL: redis://127.0.0.1:" << redis->port() << "\n"
         << "  PLATFORM_BIN: " << fs::path(PLATFORM_SERVER_BIN).parent_path().string() << "\n"
         << extra_env
         << "build:\n  - {sh: 'mkdir -p bin && cp \"$PLATFORM_BIN/platform-server\" "
            "\"$PLATFORM_BIN/platform-migrate\" bin/'}\n"
         << "database:\n  kind: sqlite\n  path: ${shared}/app.db\n"
         << "  migrate: {up: [bin/platform-migrate, up], down: [bin/platform-migrate, down, --to, "
            "'${version}'], version: [bin/platform-migrate, status, --version]}\n"
         << "services:\n  server:\n    command: [bin/platform-server]\n"
         << "    env: {PORT: '" << port << "', BIND: '${host}', HANDOVER_GRACE_MS: '50'}\n"
         << "    ready: {http: {url: 'http://${host}:" << port
         << "/ready', body_contains: '\"pid\":${pid}'}, timeout: 5s, interval: 100ms}\n"
         << "    deploy: overlap\n    stop: {timeout: 3s}\n"
         << "verify:\n  window: 0s\n  checks:\n    - http: {url: 'http://${host}:" << port
         << "/health'}\n";
    repo.write("app.yaml", yaml.str());
    repo.write(".gitignore", ".bosun/\n");
    fs::create_directories(repo.path() + "/.bosun");
    std::ofstream(repo.path() + "/.bosun/secrets") << "JWT_SECRET_KEY=" << k_secret << "\n";
  }

  std::string commit(const std::string& version, const std::string& extra = "") {
    repo.write("VERSION", version + "\n");
    if (!extra.empty()) {
      std::ofstream(repo.path() + "/app.yaml", std::ios::app) << extra;
    }
    return repo.commit_all("v" + version);
  }

  BosunRun bosun(const std::vector<std::string>& args, seconds timeout = seconds(180),
                 const std::vector<std::string>& extra_env = {}) {
    std::vector<std::string> argv{BOSUN_BIN};
    argv.insert(argv.end(), args.begin(), args.end());
    if (args.at(0) == "setup" && std::find(args.begin(), args.end(), "--service") == args.end()) {
      // Never a systemd unit from a test, even on a machine where one could be installed.
      argv.insert(argv.end(), {"--service", "user"});
    }
    const std::string log = work.path() + "/bosun-" + std::to_string(runs++) + ".out";
    std::vector<std::string> env{"HOME=" + work.path() + "/home", "USER=tester",
                                 "BOSUN_WHO=tester@ci", "LANG=C.UTF-8"};
    env.insert(env.end(), extra_env.begin(), extra_env.end());
    ChildProcess process({argv, env, repo.path(), log});
    const auto status = process.wait(timeout);
    const std::string output = process.output();
    outputs += output;
    return {status && WIFEXITED(*status) ? WEXITSTATUS(*status) : -1, output};
  }

  BosunRun setup_ok(const std::vector<std::string>& env = {}) {
    const BosunRun setup = bosun({"setup"}, seconds(180), env);
    EXPECT_EQ(setup.code, 0) << setup.output;
    return setup;
  }

  TempDir work;
  GitRepo repo{work.path() + "/repo"};
  std::unique_ptr<RedisServer> redis;
  unsigned short port = free_port();
  std::string hosts_dir;
  std::vector<std::string> roots;
  std::string outputs;
  int runs = 0;
};

}  // namespace bosun::test::fleet
