#pragma once
// The daemon's deploys and rollbacks in flight: runs them one at a time on a worker thread
// (so they outlive the client connection that asked for them), keeps each run's events, and
// lets clients read them as they come (long polling), from any connection, as often as they
// reconnect.

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "deploy/deploy_engine.hpp"

namespace bosun::agent::deploy {

class DeployRuns {
 public:
  explicit DeployRuns(DeployEngine& engine);
  ~DeployRuns();
  DeployRuns(const DeployRuns&) = delete;
  DeployRuns& operator=(const DeployRuns&) = delete;

  // Finishes or undoes what a dead agent left (on the worker; deploys wait for it).
  void start_recovery();

  struct Started {
    std::int64_t key = 0;  // for events(); 0 when refused
    std::string error;     // e.g. a run is in progress
  };
  Started start_deploy(DeployRequest request);
  Started start_rollback(RollbackRequest request);

  struct Page {
    bool found = false;
    std::vector<DeployEvent> events;  // those after `after`
    bool done = false;
    RunOutcome outcome;  // once done
  };
  // Waits up to `wait` for events after the `after`-th one (or the end of the run).
  Page events(std::int64_t key, std::size_t after, std::chrono::milliseconds wait);
  // The key of the run in progress, if any.
  std::optional<std::int64_t> in_progress() const;
  bool busy() const;

 private:
  struct Run {
    std::vector<DeployEvent> events;
    bool done = false;
    RunOutcome outcome;
  };
  Started launch(const std::string& what, std::function<RunOutcome(const EventSink&)> work);

  DeployEngine& m_engine;
  mutable std::mutex m_mutex;
  std::condition_variable m_changed;
  std::map<std::int64_t, Run> m_runs;
  std::int64_t m_next_key = 1;
  std::optional<std::int64_t> m_current;
  std::string m_current_what;
  std::thread m_worker;
};

}  // namespace bosun::agent::deploy
