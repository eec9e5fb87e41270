#include "platform_fixture.hpp"

#include <sys/wait.h>
#include <stdexcept>

namespace bosun::test {

PlatformSandbox::PlatformSandbox() : m_redis(std::make_unique<RedisServer>(m_dir.path())) {
  std::string output;
  if (migrate({"up"}, &output) != 0) {
    throw std::runtime_error("platform-migrate up failed: " + output);
  }
}

std::vector<std::string> PlatformSandbox::env(const std::vector<std::string>& extra) const {
  std::vector<std::string> vars{
      "DATABASE_URL=sqlite:///" + database_path(), "REDIS_URL=" + m_redis->url(),
      "JWT_SECRET_KEY=" + k_test_jwt_secret, "ADMIN_EMAILS=admin@example.com"};
  vars.insert(vars.end(), extra.begin(), extra.end());
  return vars;
}

int PlatformSandbox::migrate(const std::vector<std::string>& args, std::string* output) const {
  std::vector<std::string> argv{PLATFORM_MIGRATE_BIN};
  argv.insert(argv.end(), args.begin(), args.end());
  const std::string log = m_dir.path() + "/migrate-" + std::to_string(::getpid()) + ".log";
  ::unlink(log.c_str());
  ChildProcess process({argv, env(), m_dir.path(), log});
  const auto status = process.wait(std::chrono::seconds(30));
  if (output != nullptr) {
    *output = process.output();
  }
  return status && WIFEXITED(*status) ? WEXITSTATUS(*status) : -1;
}

std::unique_ptr<ChildProcess> PlatformSandbox::start_server(
    unsigned short& port, const std::vector<std::string>& extra_env) {
  if (port == 0) {
    port = free_port();
  }
  std::vector<std::string> vars = env(extra_env);
  vars.push_back("PORT=" + std::to_string(port));
  auto process = std::make_unique<ChildProcess>(
      ProcessOptions{{PLATFORM_SERVER_BIN},
                     vars,
                     m_dir.path(),
                     m_dir.path() + "/server-" + std::to_string(m_next_log++) + ".log"});
  const unsigned short target = port;
  const bool up = wait_until(
      [&] {
        try {
          return http(target, "GET", "/health").status == 200;
        } catch (const std::exception&) {
          return false;
        }
      },
      std::chrono::seconds(10));
  if (!up) {
    throw std::runtime_error("platform-server did not come up: " + process->output());
  }
  return process;
}

std::unique_ptr<ChildProcess> PlatformSandbox::start_worker(
    const std::vector<std::string>& extra_env) {
  return std::make_unique<ChildProcess>(
      ProcessOptions{{PLATFORM_WORKER_BIN},
                     env(extra_env),
                     m_dir.path(),
                     m_dir.path() + "/worker-" + std::to_string(m_next_log++) + ".log"});
}

std::string PlatformSandbox::login(unsigned short port, const std::string& email,
                                   const std::string& password) {
  const std::string credentials =
      R"({"email":")" + email + R"(","password":")" + password + R"("})";
  http(port, "POST", "/auth/register", credentials);
  const HttpResult result = http(port, "POST", "/auth/login", credentials);
  if (result.status != 200) {
    throw std::runtime_error("login failed: " + result.body);
  }
  return result.json()->getValue<std::string>("access_token");
}

}  // namespace bosun::test
