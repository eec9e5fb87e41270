#include "postgres_server.hpp"

#include <pwd.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <stdexcept>

namespace bosun::test {
namespace {

// As root: the command run as the postgres user (setpriv keeps the environment we give).
std::vector<std::string> as_server_user(std::vector<std::string> argv) {
  if (::geteuid() != 0) {
    return argv;
  }
  argv.insert(argv.begin(),
              {"setpriv", "--reuid=postgres", "--regid=postgres", "--clear-groups", "--"});
  return argv;
}

void hand_to_server_user(const std::string& path) {
  if (::geteuid() != 0) {
    return;
  }
  const struct passwd* user = ::getpwnam("postgres");
  if (user == nullptr || ::chown(path.c_str(), user->pw_uid, user->pw_gid) != 0) {
    throw std::runtime_error("cannot give " + path + " to the postgres user");
  }
}

}  // namespace

std::string postgres_bin_dir() {
  std::string best;
  int best_major = -1;
  std::error_code error;
  for (const auto& entry : std::filesystem::directory_iterator("/usr/lib/postgresql", error)) {
    const int major = std::atoi(entry.path().filename().c_str());
    if (major > best_major && std::filesystem::exists(entry.path() / "bin" / "postgres")) {
      best_major = major;
      best = (entry.path() / "bin").string();
    }
  }
  return best;
}

PostgresServer::PostgresServer(const std::string& app_password)
    : m_password(app_password), m_port(free_port()) {
  const std::string bin = postgres_bin_dir();
  if (bin.empty()) {
    throw std::runtime_error("PostgreSQL is not installed (scripts/install-deps installs it)");
  }
  // Its own directory, outside the tests' private temp dirs, which the postgres user can't see.
  char pattern[] = "/tmp/bosun-pg-XXXXXX";
  if (::mkdtemp(pattern) == nullptr) {
    throw std::runtime_error("mkdtemp failed");
  }
  m_dir = pattern;
  hand_to_server_user(m_dir);
  const auto [initialised, output] =
      run_tool(as_server_user({bin + "/initdb", "-D", m_dir + "/data", "-U", "postgres",
                               "--auth-local=trust", "--auth-host=scram-sha-256", "--no-sync", "-E",
                               "UTF8", "--locale=C"}),
               m_dir);
  if (initialised != 0) {
    throw std::runtime_error("initdb failed: " + output);
  }
  // The port was free a moment ago; a test running beside this one may take it first. Then
  // postgres exits, and another port is tried.
  bool up = false;
  for (int attempt = 0; attempt < 3 && !up; ++attempt) {
    if (attempt > 0) {
      m_port = free_port();
    }
    m_server = std::make_unique<ChildProcess>(ProcessOptions{
        as_server_user({bin + "/postgres", "-D", m_dir + "/data", "-k", m_dir, "-p",
                        std::to_string(m_port), "-c", "listen_addresses=127.0.0.1", "-c",
                        "fsync=off", "-c", "shared_buffers=16MB", "-c", "max_connections=40"}),
        {"LC_ALL=C"},
        m_dir,
        m_dir + "/server.log"});
    bool answered = false;
    wait_until(
        [&] {
          answered = m_server->running() && run_tool({bin + "/pg_isready", "-q", "-h", m_dir, "-p",
                                                      std::to_string(m_port)},
                                                     m_dir)
                                                    .first == 0;
          return answered || !m_server->running();
        },
        std::chrono::seconds(60));
    up = answered;
  }
  if (!up) {
    throw std::runtime_error("postgres did not answer: " + m_server->output());
  }
  query("CREATE ROLE app LOGIN PASSWORD '" + app_password + "'", "postgres");
  query("CREATE DATABASE app OWNER app", "postgres");
}

PostgresServer::~PostgresServer() {
  stop();
  std::error_code ignored;
  std::filesystem::remove_all(m_dir, ignored);
}

void PostgresServer::stop() {
  if (m_server && m_server->running()) {
    m_server->signal(SIGINT);  // fast shutdown: SIGTERM would wait for every client to leave
    m_server->wait(std::chrono::seconds(30));
  }
}

std::string PostgresServer::url(bool with_password) const {
  return "postgresql://app" + (with_password ? ":" + m_password : std::string()) +
         "@127.0.0.1:" + std::to_string(m_port) + "/app";
}

std::string PostgresServer::query(const std::string& sql, const std::string& database) const {
  const auto [code, output] =
      run_tool({"psql", "-X", "-h", m_dir, "-p", std::to_string(m_port), "-U", "postgres", "-d",
                database, "-At", "-v", "ON_ERROR_STOP=1", "-c", sql},
               m_dir);
  if (code != 0) {
    throw std::runtime_error("psql -c \"" + sql + "\" failed: " + output);
  }
  return output;
}

}  // namespace bosun::test
