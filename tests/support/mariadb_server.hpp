#pragma once
// Test support: a real MariaDB server of its own, installed into a temporary directory with
// mariadb-install-db and listening on 127.0.0.1 on a free port (its socket in that directory),
// with a database `app` and a user `app` whose password the test gives. Stopped by its pid.

#include <memory>
#include <string>

#include "child_process.hpp"

namespace bosun::test {

class MariaDbServer {
 public:
  MariaDbServer(const std::string& work_dir, const std::string& app_password);
  ~MariaDbServer();
  MariaDbServer(const MariaDbServer&) = delete;
  MariaDbServer& operator=(const MariaDbServer&) = delete;

  unsigned short port() const { return m_port; }
  // Runs `sql` as root in database `app`; the rows as the client prints them with -N -B.
  // Throws with the client's output when it fails.
  std::string query(const std::string& sql, const std::string& database = "app") const;

 private:
  std::string m_dir;
  unsigned short m_port;
  std::unique_ptr<ChildProcess> m_server;
};

}  // namespace bosun::test
