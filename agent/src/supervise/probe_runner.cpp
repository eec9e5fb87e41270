#include "supervise/probe_runner.hpp"

namespace bosun::agent::supervise {

ProbeRunner::ProbeRunner(std::size_t threads, std::function<void()> notify)
    : m_notify(std::move(notify)) {
  for (std::size_t i = 0; i < threads; ++i) {
    m_threads.emplace_back([this] { work(); });
  }
}

ProbeRunner::~ProbeRunner() {
  {
    std::lock_guard lock(m_mutex);
    m_stopping = true;
  }
  m_wake.notify_all();
  for (std::thread& thread : m_threads) {
    thread.join();
  }
}

void ProbeRunner::submit(ProbeJob job) {
  {
    std::lock_guard lock(m_mutex);
    m_jobs.push_back(std::move(job));
  }
  m_wake.notify_one();
}

std::vector<ProbeOutcome> ProbeRunner::take_results() {
  std::lock_guard lock(m_mutex);
  std::vector<ProbeOutcome> results;
  results.swap(m_results);
  return results;
}

void ProbeRunner::work() {
  while (true) {
    ProbeJob job;
    {
      std::unique_lock lock(m_mutex);
      m_wake.wait(lock, [this] { return m_stopping || !m_jobs.empty(); });
      if (m_stopping) {
        return;
      }
      job = std::move(m_jobs.front());
      m_jobs.pop_front();
    }
    ProbeOutcome outcome{job.service, job.generation, job.role,
                         checks::run_check(job.check, job.context)};
    {
      std::lock_guard lock(m_mutex);
      m_results.push_back(std::move(outcome));
    }
    m_notify();
  }
}

}  // namespace bosun::agent::supervise
