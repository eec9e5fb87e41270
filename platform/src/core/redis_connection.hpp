#pragma once
// One Redis connection shared by threads (calls are serialized), reconnecting after a
// network error on the next call. Keeps Poco::Redis out of wider headers.

#include <chrono>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "core/config.hpp"

namespace Poco::Redis {
class Client;
}

namespace platform {

class RedisConnection {
 public:
  explicit RedisConnection(RedisAddress address);
  ~RedisConnection();
  RedisConnection(const RedisConnection&) = delete;
  RedisConnection& operator=(const RedisConnection&) = delete;

  // Each returns the reply of one command; they throw std::runtime_error on failure.
  std::int64_t integer(const std::vector<std::string>& command);
  std::string status(const std::vector<std::string>& command);
  // A bulk reply; nullopt for nil (e.g. a blocking pop that timed out).
  std::optional<std::string> bulk(const std::vector<std::string>& command,
                                  std::chrono::milliseconds block = std::chrono::milliseconds(0));
  std::vector<std::string> list(const std::vector<std::string>& command);
  // MULTI, the commands, EXEC: all or nothing.
  void transaction(const std::vector<std::vector<std::string>>& commands);

  bool ping();
  const RedisAddress& address() const { return m_address; }

 private:
  template <typename Reply>
  Reply call(const std::vector<std::string>& command, std::chrono::milliseconds block);
  Poco::Redis::Client& connected(std::chrono::milliseconds block);

  RedisAddress m_address;
  std::mutex m_mutex;
  std::unique_ptr<Poco::Redis::Client> m_client;
};

}  // namespace platform
