#pragma once
// Runs checks off the supervisor's thread, so a hung service can never stall supervision.
// Results come back through a queue; the supervisor is woken through an eventfd.

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

#include "bosun/checks/check_runner.hpp"

namespace bosun::agent::supervise {

enum class ProbeRole { readiness, liveness };

struct ProbeJob {
  std::size_t service = 0;
  std::uint64_t generation = 0;  // which instance of the service it was for
  ProbeRole role = ProbeRole::readiness;
  manifest::CheckKind check;
  checks::CheckContext context;
};

struct ProbeOutcome {
  std::size_t service = 0;
  std::uint64_t generation = 0;
  ProbeRole role = ProbeRole::readiness;
  checks::CheckResult result;
};

// Where supervision sends probes (the ProbeRunner below; a recording fake in the unit tests).
class ProbeQueue {
 public:
  virtual ~ProbeQueue() = default;
  virtual void submit(ProbeJob job) = 0;
};

class ProbeRunner final : public ProbeQueue {
 public:
  // `notify` is called (from a probe thread) after each result is queued.
  ProbeRunner(std::size_t threads, std::function<void()> notify);
  ~ProbeRunner();
  ProbeRunner(const ProbeRunner&) = delete;
  ProbeRunner& operator=(const ProbeRunner&) = delete;

  void submit(ProbeJob job) override;
  std::vector<ProbeOutcome> take_results();

 private:
  void work();

  std::function<void()> m_notify;
  std::mutex m_mutex;
  std::condition_variable m_wake;
  std::deque<ProbeJob> m_jobs;
  std::vector<ProbeOutcome> m_results;
  bool m_stopping = false;
  std::vector<std::thread> m_threads;
};

}  // namespace bosun::agent::supervise
