#include "deploy/deploy_runs.hpp"

namespace bosun::agent::deploy {
namespace {

constexpr std::size_t k_runs_kept = 32;

}  // namespace

DeployRuns::DeployRuns(DeployEngine& engine) : m_engine(engine) {}

DeployRuns::~DeployRuns() {
  if (m_worker.joinable()) {
    m_worker.join();
  }
}

void DeployRuns::start_recovery() {
  launch("recovery", [this](const EventSink& sink) {
    RunOutcome last;
    for (const RunOutcome& outcome : m_engine.recover(sink)) {
      last = outcome;
    }
    return last;
  });
}

DeployRuns::Started DeployRuns::start_deploy(DeployRequest request) {
  return launch("deploy of " + request.ref + " by " + request.who,
                [this, request](const EventSink& sink) { return m_engine.deploy(request, sink); });
}

DeployRuns::Started DeployRuns::start_rollback(RollbackRequest request) {
  return launch("rollback by " + request.who, [this, request](const EventSink& sink) {
    return m_engine.rollback(request, sink);
  });
}

DeployRuns::Started DeployRuns::launch(const std::string& what,
                                       std::function<RunOutcome(const EventSink&)> work) {
  std::unique_lock lock(m_mutex);
  if (m_current) {
    return {0, "a " + m_current_what + " is in progress on this host (run key " +
                   std::to_string(*m_current) + ")"};
  }
  if (m_worker.joinable()) {
    m_worker.join();  // the previous run has finished: its thread is ending
  }
  const std::int64_t key = m_next_key++;
  m_runs[key];
  while (m_runs.size() > k_runs_kept) {
    m_runs.erase(m_runs.begin());
  }
  m_current = key;
  m_current_what = what;
  m_worker = std::thread([this, key, work = std::move(work)] {
    const EventSink sink = [this, key](DeployEvent event) {
      std::lock_guard guard(m_mutex);
      m_runs[key].events.push_back(std::move(event));
      m_changed.notify_all();
    };
    RunOutcome outcome;
    try {
      outcome = work(sink);
    } catch (const std::exception& error) {
      outcome.result = RunResult::failed;
      outcome.reason = std::string("internal error: ") + error.what();
      outcome.exit_code = 1;
      DeployEvent event;
      event.type = RunEventType::run_finished;
      event.outcome = std::string(to_string(outcome.result));
      event.message = outcome.reason;
      sink(event);
    }
    std::lock_guard guard(m_mutex);
    m_runs[key].done = true;
    m_runs[key].outcome = outcome;
    m_current.reset();
    m_changed.notify_all();
  });
  return {key, ""};
}

DeployRuns::Page DeployRuns::events(std::int64_t key, std::size_t after,
                                    std::chrono::milliseconds wait) {
  std::unique_lock lock(m_mutex);
  const auto ready = [&] {
    const auto it = m_runs.find(key);
    return it == m_runs.end() || it->second.done || it->second.events.size() > after;
  };
  m_changed.wait_for(lock, wait, ready);
  Page page;
  const auto it = m_runs.find(key);
  if (it == m_runs.end()) {
    return page;
  }
  page.found = true;
  const Run& run = it->second;
  if (run.events.size() > after) {
    page.events.assign(run.events.begin() + static_cast<std::ptrdiff_t>(after), run.events.end());
  }
  page.done = run.done;
  page.outcome = run.outcome;
  return page;
}

std::optional<std::int64_t> DeployRuns::in_progress() const {
  std::lock_guard lock(m_mutex);
  return m_current;
}

bool DeployRuns::busy() const {
  return in_progress().has_value();
}

}  // namespace bosun::agent::deploy
