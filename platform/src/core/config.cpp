#include "core/config.hpp"

#include <cstdlib>

#include "core/sqlite_db.hpp"

namespace platform {
namespace {

std::string join_problems(const std::vector<std::string>& problems) {
  std::string text = "invalid configuration:";
  for (const std::string& problem : problems) {
    text += "\n  " + problem;
  }
  return text;
}

std::optional<long long> parse_integer(const std::string& text) {
  if (text.empty() || text.size() > 18) {
    return std::nullopt;
  }
  for (char c : text) {
    if (c < '0' || c > '9') {
      return std::nullopt;
    }
  }
  return std::stoll(text);
}

// Reads an optional integer setting within [min, max] into `target`.
template <typename T>
void read_int(const EnvLookup& env, const std::string& name, long long min, long long max,
              T& target, std::vector<std::string>& problems) {
  const auto text = env(name);
  if (!text || text->empty()) {
    return;
  }
  const auto value = parse_integer(*text);
  if (!value || *value < min || *value > max) {
    problems.push_back(name + "=" + *text + " must be a whole number from " + std::to_string(min) +
                       " to " + std::to_string(max));
    return;
  }
  target = static_cast<T>(*value);
}

}  // namespace

ConfigError::ConfigError(const std::vector<std::string>& problems)
    : std::runtime_error(join_problems(problems)), m_problems(problems) {}

EnvLookup process_env() {
  return [](const std::string& name) -> std::optional<std::string> {
    const char* value = std::getenv(name.c_str());
    if (value == nullptr) {
      return std::nullopt;
    }
    return std::string(value);
  };
}

std::optional<RedisAddress> parse_redis_url(const std::string& url) {
  const std::string prefix = "redis://";
  if (!url.starts_with(prefix)) {
    return std::nullopt;
  }
  std::string rest = url.substr(prefix.size());
  const std::size_t slash = rest.find('/');
  if (slash != std::string::npos) {
    rest = rest.substr(0, slash);  // a database number is accepted and ignored (always 0)
  }
  if (rest.find('@') != std::string::npos) {
    return std::nullopt;  // credentials in URLs are not supported: they would leak into logs
  }
  RedisAddress address;
  const std::size_t colon = rest.rfind(':');
  address.host = rest.substr(0, colon);
  if (address.host.empty()) {
    return std::nullopt;
  }
  if (colon != std::string::npos) {
    const auto port = parse_integer(rest.substr(colon + 1));
    if (!port || *port < 1 || *port > 65535) {
      return std::nullopt;
    }
    address.port = static_cast<std::uint16_t>(*port);
  }
  return address;
}

StoreConfig load_store_config(const EnvLookup& env, std::vector<std::string>& problems) {
  StoreConfig config;
  const auto database_url = env("DATABASE_URL");
  if (!database_url || database_url->empty()) {
    problems.push_back("DATABASE_URL is not set (e.g. sqlite:////srv/app/shared/data/app.db)");
  } else if (auto path = sqlite_path_from_url(*database_url)) {
    config.database_path = *path;
  } else {
    problems.push_back(
        "DATABASE_URL=" + *database_url +
        " is not supported: use sqlite:///relative/path or sqlite:////absolute/path");
  }
  const auto redis_url = env("REDIS_URL");
  if (redis_url && !redis_url->empty()) {
    if (auto address = parse_redis_url(*redis_url)) {
      config.redis = *address;
    } else {
      problems.push_back(
          "REDIS_URL is not a redis://host:port URL (credentials are not supported)");
    }
  }
  return config;
}

ServerConfig load_server_config(const EnvLookup& env) {
  std::vector<std::string> problems;
  ServerConfig config;
  config.store = load_store_config(env, problems);
  if (const auto bind = env("BIND"); bind && !bind->empty()) {
    config.bind = *bind;
  }
  read_int(env, "PORT", 1, 65535, config.port, problems);
  read_int(env, "TOKEN_TTL_S", 60, 30LL * 24 * 3600, config.token_ttl_s, problems);
  read_int(env, "DRAIN_TIMEOUT_MS", 0, 600'000, config.drain_timeout_ms, problems);
  read_int(env, "HANDOVER_GRACE_MS", 0, 60'000, config.handover_grace_ms, problems);
  read_int(env, "HTTP_THREADS", 1, 512, config.threads, problems);
  const auto secret = env("JWT_SECRET_KEY");
  if (!secret || secret->empty()) {
    problems.push_back(
        "JWT_SECRET_KEY is not set; it signs login tokens and needs at least 32 "
        "bytes (e.g. openssl rand -hex 32)");
  } else if (secret->size() < 32) {
    problems.push_back("JWT_SECRET_KEY is " + std::to_string(secret->size()) +
                       " bytes long; at least 32 are needed (e.g. openssl rand -hex 32)");
  } else {
    config.jwt_secret = *secret;
  }
  if (const auto admins = env("ADMIN_EMAILS")) {
    std::size_t start = 0;
    while (start <= admins->size()) {
      const std::size_t comma = admins->find(',', start);
      std::string email =
          admins->substr(start, comma == std::string::npos ? std::string::npos : comma - start);
      if (!email.empty()) {
        config.admin_emails.push_back(email);
      }
      if (comma == std::string::npos) {
        break;
      }
      start = comma + 1;
    }
  }
  if (!problems.empty()) {
    throw ConfigError(problems);
  }
  return config;
}

WorkerConfig load_worker_config(const EnvLookup& env) {
  std::vector<std::string> problems;
  WorkerConfig config;
  config.store = load_store_config(env, problems);
  read_int(env, "WORKER_MAX_ATTEMPTS", 1, 100, config.max_attempts, problems);
  read_int(env, "WORKER_RETRY_BASE_MS", 1, 3'600'000, config.retry_base_ms, problems);
  read_int(env, "WORKER_JOB_DELAY_MS", 0, 3'600'000, config.job_delay_ms, problems);
  config.fail_pattern = env("WORKER_FAIL_PATTERN").value_or("");
  if (!problems.empty()) {
    throw ConfigError(problems);
  }
  return config;
}

}  // namespace platform
