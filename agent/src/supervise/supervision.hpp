#pragma once
// The supervision state machine: every service's transitions (start behind its dependencies,
// readiness, liveness, exits and restarts with backoff, crash loops, graceful stops, overlap
// starts, adoption), driven by events and acting only through the interfaces in
// SupervisionEffects. It starts no thread and reads no clock of its own, so the unit tests
// drive it with a manual clock and fake processes (tests/agent/supervise/); the Supervisor
// runs it inside its epoll loop.
//
// Events in: begin(), process_exited(pidfd), probe_finished(outcome), time_passed(), and the
// requests (handle()). Out: processes started and signalled, exit watches, probes, journal
// entries, adoption records under ROOT/run, and statuses().

#include <cstddef>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "core/host_layout.hpp"
#include "supervise/probe_runner.hpp"
#include "supervise/proxy_control.hpp"
#include "supervise/service_runtime.hpp"
#include "supervise/service_status.hpp"
#include "sys/listen_sockets.hpp"
#include "sys/process_control.hpp"
#include "sys/time_source.hpp"

namespace bosun::agent::state {
class JournalWriter;
}  // namespace bosun::agent::state

namespace bosun::agent::supervise {

// The event loop's side: tell it which pidfds to wait on.
class ExitWatch {
 public:
  virtual ~ExitWatch() = default;
  virtual void watch(int pidfd) = 0;
  virtual void unwatch(int pidfd) = 0;
};

struct SupervisionEffects {
  sys::ProcessControl& processes;
  sys::ListenSockets& sockets;
  ProxyControl& proxy;
  const sys::TimeSource& time;
  ExitWatch& exits;
  ProbeQueue& probes;
  state::JournalWriter& journal;
};

class Supervision {
 public:
  Supervision(std::vector<ServiceSpec> services, HostLayout layout, SupervisionEffects effects);

  // Creates the root's folders, adopts what a previous agent left running, then starts what
  // is eligible.
  void begin();
  // The pidfd of a service, an old instance or a hook became readable.
  void process_exited(int pidfd);
  void probe_finished(const ProbeOutcome& outcome);
  // Runs whatever is due at time.now(): starts, probes, kills, log rotation.
  void time_passed();

  // Requests; each returns an error message, empty when done.
  std::string start(const std::string& name);
  std::string stop(const std::string& name);
  std::string restart(const std::string& name);
  std::string update(ServiceSpec spec, UpdateMode mode);
  std::string retire(const std::string& name);
  void stop_all();

  // When time_passed() should next be called.
  Clock::time_point next_due() const;
  // stop_all() was asked and nothing runs any more.
  bool finished() const;
  bool stopping_all() const { return m_stopping_all; }
  std::vector<ServiceStatus> statuses() const;
  std::size_t service_count() const { return m_runtimes.size(); }

 private:
  // transitions (supervision.cpp)
  void set_state(Runtime& runtime, ServiceState state);
  void schedule(Runtime& runtime, Due due, Clock::time_point at);
  bool dependencies_ready(const Runtime& runtime) const;
  void start_eligible();
  void spawn(Runtime& runtime);
  void begin_readiness(Runtime& runtime);
  void became_ready(Runtime& runtime, const std::string& evidence);
  void stop(Runtime& runtime, const std::string& why);
  void watch_instance(Runtime& runtime);
  void exited(int pidfd);
  void instance_exited(Runtime& runtime);
  void unexpected_exit(Runtime& runtime, Clock::time_point now);
  void run_hook(const Runtime& runtime);
  // SIGKILL to an instance's group. A container's CLI dies of it but its container would run
  // on, so the engine is asked to kill that one too (detached, reaped like a hook).
  void kill_instance(const ServiceSpec& spec, pid_t pid);
  void on_due(Runtime& runtime);
  void rotate_logs();
  void continue_stopping_all();
  // probes (supervision_probes.cpp)
  void submit_probe(Runtime& runtime, ProbeRole role);
  void readiness_answered(Runtime& runtime, const ProbeOutcome& outcome);
  void liveness_answered(Runtime& runtime, const ProbeOutcome& outcome);
  // overlap (supervision_overlap.cpp)
  void begin_overlap(Runtime& runtime);
  void keep_as_leaving(Runtime& runtime);
  void stop_leaving(Runtime& runtime, const std::string& why);
  void leaving_exited(Runtime& runtime, int pidfd);
  bool reinstate_leaving(Runtime& runtime);
  void kill_overdue_leaving();
  // deploy: proxy (supervision_proxy.cpp)
  std::uint16_t pick_port(const Runtime& runtime);
  bool switch_upstream_to(Runtime& runtime);
  std::string proxy_drain_left(const Runtime& runtime);
  // draining old instances (supervision_drain.cpp)
  void steer_to_new_instance(Runtime& runtime);
  std::string handoff_drain_left(const Runtime& runtime);
  void check_drains();
  void let_go_of_socket(Runtime& runtime, unsigned long socket);
  // adoption (supervision_adoption.cpp)
  void adopt_survivors();
  void adopt_leaving(Runtime& runtime);
  void recover_socket(Runtime& runtime);

  Runtime* find(const std::string& name, bool include_retired);
  std::filesystem::path record_path(const Runtime& runtime) const;
  std::size_t index_of(const Runtime& runtime) const;

  HostLayout m_layout;
  SupervisionEffects m_effects;
  std::vector<Runtime> m_runtimes;
  std::vector<int> m_hooks;  // pidfds of running on_crash_loop hooks
  Clock::time_point m_next_rotation{};
  bool m_stopping_all = false;
};

}  // namespace bosun::agent::supervise
