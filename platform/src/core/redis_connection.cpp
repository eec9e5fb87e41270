#include "core/redis_connection.hpp"

#include <stdexcept>
#include <type_traits>

#include <Poco/Exception.h>
#include <Poco/Redis/Array.h>
#include <Poco/Redis/Client.h>
#include <Poco/Redis/Command.h>
#include <Poco/Redis/Exception.h>
#include <Poco/Timespan.h>

namespace platform {
namespace {

constexpr auto k_connect_timeout = std::chrono::milliseconds(1000);
constexpr auto k_reply_timeout = std::chrono::milliseconds(3000);

Poco::Timespan to_timespan(std::chrono::milliseconds duration) {
  return Poco::Timespan(static_cast<Poco::Timespan::TimeDiff>(duration.count()) * 1000);
}

Poco::Redis::Array to_array(const std::vector<std::string>& command) {
  Poco::Redis::Array array;
  for (const std::string& word : command) {
    array.add(word);
  }
  return array;
}

}  // namespace

RedisConnection::RedisConnection(RedisAddress address) : m_address(std::move(address)) {}
RedisConnection::~RedisConnection() = default;

Poco::Redis::Client& RedisConnection::connected(std::chrono::milliseconds block) {
  if (!m_client) {
    auto client = std::make_unique<Poco::Redis::Client>();
    client->connect(m_address.host, m_address.port, to_timespan(k_connect_timeout));
    m_client = std::move(client);
  }
  m_client->setReceiveTimeout(to_timespan(k_reply_timeout + block));
  return *m_client;
}

template <typename Reply>
Reply RedisConnection::call(const std::vector<std::string>& command,
                            std::chrono::milliseconds block) {
  std::lock_guard lock(m_mutex);
  try {
    if constexpr (std::is_same_v<Reply, Poco::Redis::RedisType::Ptr>) {
      return connected(block).sendCommand(to_array(command));
    } else {
      return connected(block).execute<Reply>(to_array(command));
    }
  } catch (const Poco::Redis::RedisException& error) {
    // An error reply: the connection itself is fine.
    throw std::runtime_error("redis " + command.front() + ": " + error.message());
  } catch (const Poco::Exception& error) {
    m_client.reset();  // network trouble: reconnect on the next call
    throw std::runtime_error("redis " + command.front() + " at " + m_address.host + ":" +
                             std::to_string(m_address.port) + ": " + error.displayText());
  }
}

std::int64_t RedisConnection::integer(const std::vector<std::string>& command) {
  return call<Poco::Int64>(command, std::chrono::milliseconds(0));
}

std::string RedisConnection::status(const std::vector<std::string>& command) {
  return call<std::string>(command, std::chrono::milliseconds(0));
}

std::optional<std::string> RedisConnection::bulk(const std::vector<std::string>& command,
                                                 std::chrono::milliseconds block) {
  // Blocking pops answer a timeout with a nil *array* rather than a nil bulk string, so take
  // the reply untyped and accept either shape of nil.
  const auto reply = call<Poco::Redis::RedisType::Ptr>(command, block);
  if (reply->isBulkString()) {
    const auto& value =
        static_cast<const Poco::Redis::Type<Poco::Redis::BulkString>&>(*reply).value();
    return value.isNull() ? std::nullopt : std::optional<std::string>(value.value());
  }
  if (reply->isError()) {
    throw std::runtime_error("redis " + command.front() + ": " + reply->toString());
  }
  if (reply->isArray() &&
      static_cast<const Poco::Redis::Type<Poco::Redis::Array>&>(*reply).value().isNull()) {
    return std::nullopt;
  }
  throw std::runtime_error("redis " + command.front() + ": unexpected reply " + reply->toString());
}

std::vector<std::string> RedisConnection::list(const std::vector<std::string>& command) {
  const auto reply = call<Poco::Redis::Array>(command, std::chrono::milliseconds(0));
  std::vector<std::string> items;
  for (std::size_t i = 0; i < reply.size(); ++i) {
    const auto item = reply.get<Poco::Redis::BulkString>(i);
    if (!item.isNull()) {
      items.push_back(item.value());
    }
  }
  return items;
}

void RedisConnection::transaction(const std::vector<std::vector<std::string>>& commands) {
  std::lock_guard lock(m_mutex);
  try {
    Poco::Redis::Client& client = connected(std::chrono::milliseconds(0));
    client.execute<std::string>(to_array({"MULTI"}));
    for (const auto& command : commands) {
      client.execute<std::string>(to_array(command));  // "QUEUED"
    }
    client.execute<Poco::Redis::Array>(to_array({"EXEC"}));
  } catch (const Poco::Redis::RedisException& error) {
    m_client.reset();  // the server may still hold our MULTI: start over on a new connection
    throw std::runtime_error("redis transaction: " + error.message());
  } catch (const Poco::Exception& error) {
    m_client.reset();
    throw std::runtime_error("redis transaction: " + error.displayText());
  }
}

bool RedisConnection::ping() {
  try {
    return status({"PING"}) == "PONG";
  } catch (const std::exception&) {
    return false;
  }
}

}  // namespace platform
