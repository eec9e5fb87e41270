// Overlap starts in the supervision state machine: the running instance keeps serving as a
// "leaving" one beside its replacement and is stopped once the replacement is ready; an update
// back to what a leaving instance runs (a rollback) makes it the service again.
#include <signal.h>

#include <algorithm>

#include "bosun/common/duration.hpp"
#include "state/adoption_record.hpp"
#include "state/journal.hpp"
#include "supervise/log_files.hpp"
#include "supervise/supervision.hpp"

namespace bosun::agent::supervise {

std::string leaving_log(const ServiceSpec& spec, pid_t pid) {
  return spec.log_path + ".leaving-" + std::to_string(pid);
}

// The running instance keeps serving as a leaving one while its replacement starts.
void Supervision::begin_overlap(Runtime& runtime) {
  runtime.overlap_pending = false;
  keep_as_leaving(runtime);
  set_state(runtime, ServiceState::stopped);
  schedule(runtime, Due::none, {});
  spawn(runtime);
}

// Keeps the running instance as a leaving one; the runtime is then free for a new one. Its
// pidfd stays watched: process_exited() finds it among the leaving.
void Supervision::keep_as_leaving(Runtime& runtime) {
  Leaving old;
  old.pid = runtime.pid;
  old.pidfd = runtime.pidfd;
  old.adopted = runtime.adopted;
  old.start_ticks = runtime.start_ticks;
  old.started_unix_ms = runtime.started_unix_ms;
  old.spec = runtime.running_spec;
  old.log = leaving_log(runtime.spec, old.pid);
  old.log_offset = runtime.log_offset;
  old.port = runtime.port;
  old.socket = runtime.socket;
  std::error_code renamed;
  std::filesystem::rename(runtime.spec.log_path, old.log, renamed);
  if (renamed) {
    old.log.clear();
  }
  old.record =
      m_layout.run_dir() / (runtime.spec.name + ".leaving-" + std::to_string(old.pid) + ".pid");
  state::save_record(old.record,
                     {old.pid, runtime.start_ticks, 0, runtime.started_unix_ms, runtime.port});
  m_effects.journal.record(
      runtime.spec.name, "overlap",
      "pid " + std::to_string(old.pid) + " keeps serving until its replacement is ready");
  runtime.leaving.push_back(std::move(old));
  runtime.pidfd = -1;
  runtime.pid = -1;
  runtime.port = 0;    // the replacement takes another one
  runtime.socket = 0;  // ... and a socket of its own where it can
  runtime.probe_in_flight = false;
  ++runtime.generation;
  state::remove_record(record_path(runtime));
}

void Supervision::stop_leaving(Runtime& runtime, const std::string& why) {
  for (Leaving& old : runtime.leaving) {
    if (old.signalled) {
      continue;
    }
    old.signalled = true;
    old.kill_at = m_effects.time.now() + runtime.spec.stop.timeout;
    m_effects.processes.signal_group(old.pid, sys::signal_number(runtime.spec.stop.signal));
    m_effects.journal.record(runtime.spec.name, "stopping",
                             why + ": SIG" + runtime.spec.stop.signal +
                                 " to the old instance, pid " + std::to_string(old.pid));
  }
}

void Supervision::leaving_exited(Runtime& runtime, int pidfd) {
  const auto it = std::find_if(runtime.leaving.begin(), runtime.leaving.end(),
                               [&](const Leaving& old) { return old.pidfd == pidfd; });
  if (it == runtime.leaving.end()) {
    return;
  }
  if (!it->adopted) {
    m_effects.processes.signal_group(it->pid, SIGKILL);  // whatever it left in its group
  }
  m_effects.exits.unwatch(pidfd);
  const sys::ExitStatus status = m_effects.processes.collect_exit(pidfd, !it->adopted);
  state::remove_record(it->record);
  const unsigned long socket = it->socket;
  if (!it->log.empty()) {  // its last lines come before the new instance's in the rotation
    add_to_rotation(runtime.spec.log_path, it->log, runtime.spec.logs.keep);
  }
  m_effects.journal.record(
      runtime.spec.name, "stopped",
      "old instance, pid " + std::to_string(it->pid) + ": " + sys::describe_exit(status));
  runtime.leaving.erase(it);
  let_go_of_socket(runtime, socket);
  if (runtime.leaving.empty() && runtime.overlap_pending) {
    runtime.overlap_pending = false;
    if (runtime.state == ServiceState::ready && runtime.wanted) {
      begin_overlap(runtime);
    }
    // Otherwise the instance went away meanwhile and its next start uses the new spec.
  }
}

// An overlap start whose replacement never became ready, then an update back to what the old
// instance runs (a rollback): that old instance, still serving and never told to stop, is the
// service again. Starting yet another instance would fight it for the port.
bool Supervision::reinstate_leaving(Runtime& runtime) {
  const auto old =
      std::find_if(runtime.leaving.begin(), runtime.leaving.end(), [&](const Leaving& l) {
        return !l.signalled && l.spec && same_definition(*l.spec, runtime.spec);
      });
  if (old == runtime.leaving.end() || runtime.state == ServiceState::ready) {
    return false;
  }
  if (runtime.is_running()) {  // the failed replacement: it goes at once
    m_effects.exits.unwatch(runtime.pidfd);
    kill_instance(runtime.spec, runtime.pid);
    const sys::ExitStatus status =
        m_effects.processes.collect_exit(runtime.pidfd, !runtime.adopted);
    m_effects.journal.record(runtime.spec.name, "stopped",
                             "the replacement that never became ready, pid " +
                                 std::to_string(runtime.pid) + ": " + sys::describe_exit(status));
  }
  const unsigned long failed_socket = std::exchange(runtime.socket, old->socket);
  runtime.pid = old->pid;
  runtime.pidfd = old->pidfd;
  runtime.start_ticks = old->start_ticks;
  runtime.adopted = old->adopted;
  runtime.started_unix_ms = old->started_unix_ms;
  runtime.running_spec = *old->spec;
  runtime.log_offset = old->log_offset;
  runtime.port = old->port;
  runtime.draining = false;
  runtime.restart_after_stop = false;
  ++runtime.instance;
  ++runtime.generation;
  if (!old->log.empty()) {
    // The failed replacement's output goes into the rotation (.1: still there to read); the
    // service log is the reinstated instance's own file again.
    add_to_rotation(runtime.spec.log_path, runtime.spec.log_path, runtime.spec.logs.keep);
    std::error_code ignored;
    std::filesystem::rename(old->log, runtime.spec.log_path, ignored);
  }
  state::save_record(record_path(runtime), {runtime.pid, runtime.start_ticks, runtime.log_offset,
                                            runtime.started_unix_ms, runtime.port});
  state::remove_record(old->record);
  runtime.leaving.erase(old);
  let_go_of_socket(runtime, failed_socket);
  if (runtime.spec.listen && runtime.socket != 0) {  // new connections back to it, if steered off
    const std::string why = m_effects.sockets.steer_to(runtime.spec.name, runtime.socket);
    if (!why.empty()) {
      m_effects.journal.record(runtime.spec.name, "socket", "could not steer back: " + why);
    }
  }
  m_effects.journal.record(runtime.spec.name, "reinstated",
                           "pid " + std::to_string(runtime.pid) +
                               " kept serving while its replacement failed; it is the service "
                               "again");
  begin_readiness(runtime);
  return true;
}

void Supervision::kill_overdue_leaving() {
  const auto now = m_effects.time.now();
  for (Runtime& runtime : m_runtimes) {
    for (Leaving& old : runtime.leaving) {
      if (old.signalled && old.kill_at != Clock::time_point{} && old.kill_at <= now) {
        old.kill_at = {};
        m_effects.journal.record(runtime.spec.name, "killed",
                                 "old instance, pid " + std::to_string(old.pid) +
                                     ", did not stop within " +
                                     format_duration(runtime.spec.stop.timeout) + "; SIGKILL");
        kill_instance(old.spec ? *old.spec : runtime.spec, old.pid);
      }
    }
  }
}

}  // namespace bosun::agent::supervise
