#include "mariadb_server.hpp"

#include <signal.h>
#include <sys/wait.h>

#include <filesystem>
#include <stdexcept>

namespace bosun::test {
MariaDbServer::MariaDbServer(const std::string& work_dir, const std::string& app_password)
    : m_dir(work_dir + "/mariadb"), m_port(free_port()) {
  std::filesystem::create_directories(m_dir);
  const auto [installed, install_output] =
      run_tool({"mariadb-install-db", "--no-defaults", "--datadir=" + m_dir + "/data",
                "--user=root", "--auth-root-authentication-method=normal", "--skip-test-db"},
               m_dir);
  if (installed != 0) {
    throw std::runtime_error("mariadb-install-db failed: " + install_output);
  }
  // The port was free a moment ago; a test running beside this one may take it first. Then
  // mariadbd exits, and another port is tried (it must be ours that answers, not theirs).
  bool up = false;
  for (int attempt = 0; attempt < 3 && !up; ++attempt) {
    if (attempt > 0) {
      m_port = free_port();
    }
    m_server = std::make_unique<ChildProcess>(
        ProcessOptions{{"/usr/sbin/mariadbd", "--no-defaults", "--datadir=" + m_dir + "/data",
                        "--socket=" + m_dir + "/mysql.sock", "--port=" + std::to_string(m_port),
                        "--bind-address=127.0.0.1", "--user=root", "--skip-name-resolve",
                        "--innodb-buffer-pool-size=16M", "--pid-file=" + m_dir + "/mariadbd.pid"},
                       {},
                       m_dir,
                       m_dir + "/server.log"});
    bool answered = false;
    wait_until(
        [&] {
          answered = m_server->running() &&
                     run_tool({"mysqladmin", "--no-defaults", "--socket=" + m_dir + "/mysql.sock",
                               "-u", "root", "ping"},
                              m_dir)
                             .first == 0;
          return answered || !m_server->running();
        },
        std::chrono::seconds(60));
    up = answered;
  }
  if (!up) {
    throw std::runtime_error("mariadbd did not answer: " + m_server->output());
  }
  query("CREATE DATABASE IF NOT EXISTS app", "mysql");
  query("CREATE USER 'app'@'127.0.0.1' IDENTIFIED BY '" + app_password +
            "'; GRANT ALL ON app.* TO 'app'@'127.0.0.1'",
        "mysql");
}

MariaDbServer::~MariaDbServer() {
  if (m_server && m_server->running()) {
    m_server->signal(SIGTERM);
    m_server->wait(std::chrono::seconds(30));
  }
}

std::string MariaDbServer::query(const std::string& sql, const std::string& database) const {
  const auto [code, output] =
      run_tool({"mysql", "--no-defaults", "--protocol=tcp", "-h", "127.0.0.1", "-P",
                std::to_string(m_port), "-u", "root", "-N", "-B", "-e", sql, database},
               m_dir);
  if (code != 0) {
    throw std::runtime_error("mysql -e \"" + sql + "\" failed: " + output);
  }
  return output;
}

}  // namespace bosun::test
