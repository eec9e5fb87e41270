// What callers ask of the supervision state machine: start, stop and restart a service (the
// operator), put it on a new definition or retire it (a deploy), and stop everything (in
// reverse dependency order).
#include <algorithm>

#include "state/journal.hpp"
#include "supervise/supervision.hpp"

namespace bosun::agent::supervise {

namespace {

std::string unknown_service(const std::string& name) {
  return "unknown service \"" + name + "\"";
}

}  // namespace

std::string Supervision::start(const std::string& name) {
  Runtime* runtime = find(name, false);
  if (runtime == nullptr) {
    return unknown_service(name);
  }
  runtime->wanted = true;
  runtime->tracker.reset();
  if (!runtime->is_running()) {
    set_state(*runtime, ServiceState::stopped);
    schedule(*runtime, Due::none, {});
    m_effects.journal.record(name, "start-requested", "by the operator");
    start_eligible();
  }
  return "";
}

std::string Supervision::stop(const std::string& name) {
  Runtime* runtime = find(name, false);
  if (runtime == nullptr) {
    return unknown_service(name);
  }
  runtime->wanted = false;
  runtime->restart_after_stop = false;
  stop(*runtime, "stop requested");
  return "";
}

std::string Supervision::restart(const std::string& name) {
  Runtime* runtime = find(name, false);
  if (runtime == nullptr) {
    return unknown_service(name);
  }
  runtime->wanted = true;
  runtime->tracker.reset();
  if (runtime->is_running()) {
    runtime->restart_after_stop = true;
    stop(*runtime, "restart requested");
  } else {
    set_state(*runtime, ServiceState::stopped);
    schedule(*runtime, Due::none, {});
    start_eligible();
  }
  return "";
}

std::string Supervision::update(ServiceSpec spec, UpdateMode mode) {
  Runtime* found = find(spec.name, true);
  if (found == nullptr) {
    const std::string name = spec.name;
    Runtime& added = m_runtimes.emplace_back(std::move(spec));
    added.state_since = m_effects.time.now();
    added.state_since_unix_ms = m_effects.time.unix_ms();
    m_effects.journal.record(name, "added", "by a deploy");
    start_eligible();
    return "";
  }
  Runtime& runtime = *found;
  const bool was_retired = runtime.retired;
  runtime.retired = false;
  runtime.spec = std::move(spec);
  runtime.tracker = RestartTracker(runtime.spec.restart.backoff, runtime.spec.restart.crash_loop);
  if (mode == UpdateMode::in_place && !was_retired) {
    return "";
  }
  runtime.wanted = true;
  if (reinstate_leaving(runtime)) {
    return "";
  }
  if (!runtime.is_running() && runtime.state != ServiceState::stopping) {
    set_state(runtime, ServiceState::stopped);
    schedule(runtime, Due::none, {});
    m_effects.journal.record(runtime.spec.name, "updated", "new definition; starting");
    start_eligible();
    return "";
  }
  if (mode == UpdateMode::overlap && runtime.state == ServiceState::ready) {
    if (!runtime.leaving.empty()) {
      runtime.overlap_pending = true;
      stop_leaving(runtime, "a newer instance is waiting to start");
      m_effects.journal.record(runtime.spec.name, "updated",
                               "new definition; starting once the old instance has stopped");
      return "";
    }
    begin_overlap(runtime);
    return "";
  }
  // Restart, or an overlap whose old instance is not serving anyway.
  runtime.restart_after_stop = true;
  stop(runtime, "new definition");
  return "";
}

std::string Supervision::retire(const std::string& name) {
  Runtime* runtime = find(name, true);
  if (runtime == nullptr) {
    return unknown_service(name);
  }
  runtime->retired = true;
  runtime->wanted = false;
  if (runtime->spec.listen) {
    m_effects.sockets.release(name);
  }
  runtime->restart_after_stop = false;
  stop(*runtime, "removed from the manifest");
  stop_leaving(*runtime, "removed from the manifest");
  return "";
}

void Supervision::stop_all() {
  m_stopping_all = true;
  for (Runtime& runtime : m_runtimes) {
    runtime.wanted = false;
  }
  continue_stopping_all();
}

// Stops services whose dependents are all down: reverse dependency order.
void Supervision::continue_stopping_all() {
  for (Runtime& runtime : m_runtimes) {
    stop_leaving(runtime, "agent shutting down");
  }
  for (Runtime& runtime : m_runtimes) {
    if (!runtime.is_running() || runtime.state == ServiceState::stopping) {
      if (!runtime.is_running() && runtime.state != ServiceState::stopped) {
        set_state(runtime, ServiceState::stopped);
        schedule(runtime, Due::none, {});
      }
      continue;
    }
    const bool dependents_down =
        std::none_of(m_runtimes.begin(), m_runtimes.end(), [&](const Runtime& other) {
          return other.is_running() &&
                 std::find(other.spec.depends_on.begin(), other.spec.depends_on.end(),
                           runtime.spec.name) != other.spec.depends_on.end();
        });
    if (dependents_down) {
      stop(runtime, "agent shutting down");
    }
  }
}

bool Supervision::finished() const {
  return m_stopping_all && std::none_of(m_runtimes.begin(), m_runtimes.end(), [](const Runtime& r) {
           return r.is_running() || !r.leaving.empty();
         });
}

}  // namespace bosun::agent::supervise
