// Adoption in the supervision state machine: a new agent takes over the services (and the old
// instances of an unfinished overlap start) that a previous agent left running, by the records
// under ROOT/run, without restarting them.
#include <algorithm>

#include "state/adoption_record.hpp"
#include "state/journal.hpp"
#include "supervise/supervision.hpp"

namespace bosun::agent::supervise {

// Every record is read before any readiness begins: a service adopted ready at once starts
// its dependents, and those must not be spawned over a survivor of theirs not yet adopted.
void Supervision::adopt_survivors() {
  std::vector<Runtime*> adopted;
  for (Runtime& runtime : m_runtimes) {
    adopt_leaving(runtime);
    const auto record = state::load_record(record_path(runtime));
    if (!record) {
      continue;
    }
    const auto pidfd = m_effects.processes.adopt(record->pid, record->start_ticks);
    if (!pidfd) {
      state::remove_record(record_path(runtime));
      m_effects.journal.record(runtime.spec.name, "not-adopted",
                               "pid " + std::to_string(record->pid) + " is gone");
      continue;
    }
    runtime.pid = record->pid;
    runtime.pidfd = *pidfd;
    runtime.start_ticks = record->start_ticks;
    runtime.adopted = true;
    runtime.running_spec = runtime.spec;
    ++runtime.instance;
    runtime.log_offset = record->log_offset;
    runtime.port = record->port;
    runtime.started_unix_ms = record->started_unix_ms;
    runtime.started =
        m_effects.time.now() - std::chrono::milliseconds(std::max<std::int64_t>(
                                   0, m_effects.time.unix_ms() - record->started_unix_ms));
    watch_instance(runtime);
    m_effects.journal.record(runtime.spec.name, "adopted",
                             "pid " + std::to_string(runtime.pid) + " still running");
    recover_socket(runtime);
    adopted.push_back(&runtime);
  }
  for (Runtime* runtime : adopted) {
    begin_readiness(*runtime);
  }
}

// The listening sockets the previous agent held, taken back from the adopted instance and from
// the old ones still leaving, for the next hand-over (and this one's drain).
void Supervision::recover_socket(Runtime& runtime) {
  if (!runtime.spec.listen) {
    return;
  }
  const sys::RecoveredSocket own =
      m_effects.sockets.recover(runtime.spec.name, *runtime.spec.listen, runtime.pid);
  runtime.socket = own.id;
  std::string why = own.why_not;
  for (Leaving& old : runtime.leaving) {
    const sys::RecoveredSocket theirs =
        m_effects.sockets.recover(runtime.spec.name, *runtime.spec.listen, old.pid);
    old.socket = theirs.id;
    if (theirs.id != 0 && runtime.socket == 0) {
      why.clear();  // the service's port is held here again, through the old instance's socket
    }
  }
  if (why.empty()) {
    m_effects.journal.record(runtime.spec.name, "socket",
                             "took the listening socket " + runtime.spec.listen->address() +
                                 " back from pid " + std::to_string(runtime.pid));
  } else {
    m_effects.journal.record(runtime.spec.name, "socket",
                             "could not take the listening socket " +
                                 runtime.spec.listen->address() + " back (" + why +
                                 "): the next start binds it anew, once pid " +
                                 std::to_string(runtime.pid) + " has let go of it");
  }
}

// Old instances recorded by an agent that died during an overlap start.
void Supervision::adopt_leaving(Runtime& runtime) {
  const std::string prefix = runtime.spec.name + ".leaving-";
  std::error_code error;
  for (const auto& entry : std::filesystem::directory_iterator(m_layout.run_dir(), error)) {
    const std::string file = entry.path().filename().string();
    if (!file.starts_with(prefix)) {
      continue;
    }
    const auto record = state::load_record(entry.path());
    const auto pidfd =
        record ? m_effects.processes.adopt(record->pid, record->start_ticks) : std::nullopt;
    if (!pidfd) {
      state::remove_record(entry.path());
      continue;
    }
    Leaving old;
    old.pid = record->pid;
    old.pidfd = *pidfd;
    old.adopted = true;
    old.start_ticks = record->start_ticks;
    old.started_unix_ms = record->started_unix_ms;
    old.port = record->port;
    if (std::filesystem::exists(leaving_log(runtime.spec, old.pid))) {
      old.log = leaving_log(runtime.spec, old.pid);
    }
    old.record = entry.path();
    m_effects.exits.watch(old.pidfd);
    m_effects.journal.record(
        runtime.spec.name, "adopted",
        "old instance, pid " + std::to_string(old.pid) + ", stopped once the service is ready");
    runtime.leaving.push_back(std::move(old));
  }
}

}  // namespace bosun::agent::supervise
