#pragma once
// platform-worker's loop: take a content job, generate the lesson, store it and finish the
// task in one transaction, then acknowledge the job. Failed attempts are retried with
// exponential backoff and finally dead-lettered.

#include <atomic>
#include <iosfwd>
#include <string>

#include "core/config.hpp"

namespace platform {

class ContentProvider;

class Worker {
 public:
  Worker(const WorkerConfig& config, ContentProvider& provider, std::ostream& log);

  // Runs until `stop` becomes true; the job in hand is finished first.
  void run(const std::atomic<bool>& stop);

 private:
  const WorkerConfig& m_config;
  ContentProvider& m_provider;
  std::ostream& m_log;
};

// host-pid-random: unique per process, readable in Redis.
std::string make_worker_id();

}  // namespace platform
