#pragma once
// Test support: a real platform on loopback — redis-server, a migrated SQLite database, and
// platform-server / platform-worker processes started from the built binaries.

#include <memory>
#include <string>
#include <vector>

#include "child_process.hpp"
#include "http_client.hpp"

namespace bosun::test {

inline const std::string k_test_jwt_secret = "test-secret-0123456789abcdef0123456789";

class PlatformSandbox {
 public:
  // Starts Redis and migrates a fresh database; servers and workers start on demand.
  PlatformSandbox();

  std::string database_path() const { return m_dir.path() + "/app.db"; }
  const std::string& dir() const { return m_dir.path(); }
  RedisServer& redis() { return *m_redis; }

  // Environment shared by server, worker and migrate, plus `extra` ("NAME=value").
  std::vector<std::string> env(const std::vector<std::string>& extra = {}) const;

  // Runs platform-migrate with `args`; returns the exit code and fills `output`.
  int migrate(const std::vector<std::string>& args, std::string* output = nullptr) const;

  // Starts platform-server on `port` (0: a free one) and waits until /health answers.
  std::unique_ptr<ChildProcess> start_server(unsigned short& port,
                                             const std::vector<std::string>& extra_env = {});
  std::unique_ptr<ChildProcess> start_worker(const std::vector<std::string>& extra_env = {});

  // Registers and logs in a user; returns the bearer token.
  std::string login(unsigned short port, const std::string& email,
                    const std::string& password = "correct-horse-battery");

 private:
  TempDir m_dir;
  std::unique_ptr<RedisServer> m_redis;
  int m_next_log = 0;
};

}  // namespace bosun::test
