#pragma once
// A reliable job queue on Redis lists. A worker moves a job id atomically from the pending
// list into its own processing list (BLMOVE), and removes it only once the job is finished,
// so a worker killed mid-job loses nothing: another worker finds the dead worker's list
// (its heartbeat key has expired) and puts the ids back on the pending list.
//
// Keys: platform:jobs (pending), platform:jobs:processing:<worker>, platform:jobs:delayed
// (sorted set of retries by due time), platform:jobs:dead, platform:workers (set),
// platform:worker:<worker> (heartbeat, expires).

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>

#include "core/redis_connection.hpp"

namespace platform {

class JobQueue {
 public:
  // `worker_id` is needed only by workers (take/ack/...); the server just pushes.
  JobQueue(RedisConnection& redis, std::string worker_id = "");

  void push(const std::string& job_id);
  std::int64_t depth();
  std::int64_t dead_count();

  // Waits up to `wait` for a job and moves it into this worker's processing list.
  std::optional<std::string> take(std::chrono::milliseconds wait);
  // The job is finished (done or given up): forget it.
  void ack(const std::string& job_id);
  // Finish this attempt and run the job again after `delay`.
  void retry_later(const std::string& job_id, std::chrono::milliseconds delay);
  // Give up: keep the id on the dead-letter list for a person to look at.
  void dead_letter(const std::string& job_id);
  // Moves retries whose time has come back to the pending list; returns how many.
  std::int64_t promote_due();

  // Marks this worker alive for `ttl`; call well within it.
  void heartbeat(std::chrono::milliseconds ttl);
  // Returns jobs held by workers whose heartbeat has expired to the pending list.
  std::int64_t recover_orphans();
  // Leaves the worker set on a clean exit (its processing list is empty by then).
  void retire();

  const std::string& worker_id() const { return m_worker_id; }

 private:
  std::string processing_key(const std::string& worker_id) const;

  RedisConnection& m_redis;
  std::string m_worker_id;
  bool m_use_blmove = true;  // falls back to BRPOPLPUSH on Redis < 6.2
};

}  // namespace platform
