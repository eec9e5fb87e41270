#pragma once
// Settings of the platform programs, read from the environment. Every problem is collected
// and reported at once; a secret's value never appears in a message.

#include <cstdint>
#include <functional>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

namespace platform {

class ConfigError : public std::runtime_error {
 public:
  explicit ConfigError(const std::vector<std::string>& problems);
  const std::vector<std::string>& problems() const { return m_problems; }

 private:
  std::vector<std::string> m_problems;
};

using EnvLookup = std::function<std::optional<std::string>(const std::string& name)>;
// Reads the process environment.
EnvLookup process_env();

struct RedisAddress {
  std::string host = "127.0.0.1";
  std::uint16_t port = 6379;
};

struct StoreConfig {
  std::string database_path;  // from DATABASE_URL=sqlite:///path
  RedisAddress redis;         // from REDIS_URL=redis://host:port
};

struct ServerConfig {
  StoreConfig store;
  std::string bind = "127.0.0.1";
  std::uint16_t port = 8080;
  std::string jwt_secret;                 // JWT_SECRET_KEY, at least 32 bytes
  std::vector<std::string> admin_emails;  // ADMIN_EMAILS, comma-separated
  std::int64_t token_ttl_s = 3600;        // TOKEN_TTL_S
  std::size_t max_body_bytes = 64 * 1024;
  int drain_timeout_ms = 10'000;  // DRAIN_TIMEOUT_MS
  int handover_grace_ms = 500;    // HANDOVER_GRACE_MS: accept after steering away
  int threads = 16;               // HTTP_THREADS
};

struct WorkerConfig {
  StoreConfig store;
  int max_attempts = 3;      // WORKER_MAX_ATTEMPTS
  int retry_base_ms = 500;   // WORKER_RETRY_BASE_MS, doubled per attempt
  int job_delay_ms = 0;      // WORKER_JOB_DELAY_MS: simulated provider latency
  std::string fail_pattern;  // WORKER_FAIL_PATTERN: topics containing it fail (tests)
};

StoreConfig load_store_config(const EnvLookup& env, std::vector<std::string>& problems);
ServerConfig load_server_config(const EnvLookup& env);
WorkerConfig load_worker_config(const EnvLookup& env);

std::optional<RedisAddress> parse_redis_url(const std::string& url);

}  // namespace platform
