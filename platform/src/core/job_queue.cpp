#include "core/job_queue.hpp"

#include <stdexcept>

namespace platform {
namespace {

const std::string k_pending = "platform:jobs";
const std::string k_delayed = "platform:jobs:delayed";
const std::string k_dead = "platform:jobs:dead";
const std::string k_workers = "platform:workers";

std::string now_ms() {
  return std::to_string(std::chrono::duration_cast<std::chrono::milliseconds>(
                            std::chrono::system_clock::now().time_since_epoch())
                            .count());
}

// Moves due ids from the delayed set to the pending list in one atomic step.
const char* const k_promote_script = R"lua(
local due = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', ARGV[1], 'LIMIT', 0, 100)
for _, id in ipairs(due) do
  redis.call('ZREM', KEYS[1], id)
  redis.call('LPUSH', KEYS[2], id)
end
return #due
)lua";

// Puts a dead worker's jobs back at the consuming end of the pending list, oldest first in
// line, in one atomic step.
const char* const k_requeue_script = R"lua(
local moved = 0
while true do
  local id = redis.call('LPOP', KEYS[1])
  if not id then break end
  redis.call('RPUSH', KEYS[2], id)
  moved = moved + 1
end
return moved
)lua";

}  // namespace

JobQueue::JobQueue(RedisConnection& redis, std::string worker_id)
    : m_redis(redis), m_worker_id(std::move(worker_id)) {}

std::string JobQueue::processing_key(const std::string& worker_id) const {
  return "platform:jobs:processing:" + worker_id;
}

void JobQueue::push(const std::string& job_id) {
  m_redis.integer({"LPUSH", k_pending, job_id});
}

std::int64_t JobQueue::depth() {
  return m_redis.integer({"LLEN", k_pending});
}

std::int64_t JobQueue::dead_count() {
  return m_redis.integer({"LLEN", k_dead});
}

std::optional<std::string> JobQueue::take(std::chrono::milliseconds wait) {
  const std::string seconds = std::to_string(static_cast<double>(wait.count()) / 1000.0);
  if (m_use_blmove) {
    try {
      return m_redis.bulk(
          {"BLMOVE", k_pending, processing_key(m_worker_id), "RIGHT", "LEFT", seconds}, wait);
    } catch (const std::runtime_error& error) {
      if (std::string(error.what()).find("unknown command") == std::string::npos) {
        throw;
      }
      m_use_blmove = false;
    }
  }
  return m_redis.bulk({"BRPOPLPUSH", k_pending, processing_key(m_worker_id), seconds}, wait);
}

void JobQueue::ack(const std::string& job_id) {
  m_redis.integer({"LREM", processing_key(m_worker_id), "1", job_id});
}

void JobQueue::retry_later(const std::string& job_id, std::chrono::milliseconds delay) {
  const auto due = std::chrono::duration_cast<std::chrono::milliseconds>(
                       std::chrono::system_clock::now().time_since_epoch()) +
                   delay;
  m_redis.transaction({{"ZADD", k_delayed, std::to_string(due.count()), job_id},
                       {"LREM", processing_key(m_worker_id), "1", job_id}});
}

void JobQueue::dead_letter(const std::string& job_id) {
  m_redis.transaction(
      {{"LPUSH", k_dead, job_id}, {"LREM", processing_key(m_worker_id), "1", job_id}});
}

std::int64_t JobQueue::promote_due() {
  return m_redis.integer({"EVAL", k_promote_script, "2", k_delayed, k_pending, now_ms()});
}

void JobQueue::heartbeat(std::chrono::milliseconds ttl) {
  m_redis.status(
      {"SET", "platform:worker:" + m_worker_id, now_ms(), "PX", std::to_string(ttl.count())});
  m_redis.integer({"SADD", k_workers, m_worker_id});
}

std::int64_t JobQueue::recover_orphans() {
  std::int64_t recovered = 0;
  for (const std::string& worker : m_redis.list({"SMEMBERS", k_workers})) {
    if (worker == m_worker_id || m_redis.integer({"EXISTS", "platform:worker:" + worker}) == 1) {
      continue;
    }
    recovered +=
        m_redis.integer({"EVAL", k_requeue_script, "2", processing_key(worker), k_pending});
    m_redis.integer({"SREM", k_workers, worker});
  }
  return recovered;
}

void JobQueue::retire() {
  m_redis.integer({"SREM", k_workers, m_worker_id});
  m_redis.integer({"DEL", "platform:worker:" + m_worker_id});
}

}  // namespace platform
