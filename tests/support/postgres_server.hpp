#pragma once
// Test support: a real PostgreSQL server of its own, initdb'd into a fresh directory and
// listening on 127.0.0.1 on a free port (its socket in that directory), with a role and
// database `app` whose password the test gives (scram-sha-256 over TCP). As root, the server
// runs as the `postgres` user, since postgres refuses to run as root. Stopped by its pid.

#include <memory>
#include <string>

#include "child_process.hpp"

namespace bosun::test {

// Debian keeps the server's programs in /usr/lib/postgresql/<major>/bin, off PATH; the
// newest one there ("" when PostgreSQL is not installed).
std::string postgres_bin_dir();

class PostgresServer {
 public:
  explicit PostgresServer(const std::string& app_password);
  ~PostgresServer();
  PostgresServer(const PostgresServer&) = delete;
  PostgresServer& operator=(const PostgresServer&) = delete;

  unsigned short port() const { return m_port; }
  // postgresql://app:PASSWORD@127.0.0.1:PORT/app (with the password when `with_password`).
  std::string url(bool with_password = true) const;
  // Runs `sql` as the superuser in database `app`: rows as psql prints them with -At.
  // Throws with psql's output when it fails.
  std::string query(const std::string& sql, const std::string& database = "app") const;
  void stop();  // a fast shutdown, waited for

 private:
  std::string m_dir;
  std::string m_password;
  unsigned short m_port;
  std::unique_ptr<ChildProcess> m_server;
};

}  // namespace bosun::test
