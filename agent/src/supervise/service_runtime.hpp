#pragma once
// One supervised service as the state machine keeps it: its definition, its state, the
// running instance (pid, pidfd, probes), the old instances still leaving after an overlap
// start, and what is due next. Plain data; the transitions live in supervision*.cpp.

#include <sys/types.h>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "bosun/manifest/model.hpp"
#include "supervise/restart_tracker.hpp"
#include "supervise/service_spec.hpp"
#include "supervise/service_status.hpp"

namespace bosun::agent::supervise {

// Readiness is probed fast right after a start (crash-to-ready latency is a headline
// number), backing off by 1.5x up to the probe's interval.
inline constexpr std::chrono::microseconds k_first_ready_probe{200};
// Log lines kept as a failed instance's evidence.
inline constexpr std::size_t k_evidence_lines = 20;

// The one timer a service has at a time.
enum class Due { none, start, probe_ready, probe_liveness, kill };

// An old instance kept running beside its replacement during an overlap start (it still
// serves on the shared port), stopped once the replacement is ready.
struct Leaving {
  pid_t pid = -1;
  int pidfd = -1;
  bool adopted = false;
  bool signalled = false;
  Clock::time_point kill_at{};
  std::filesystem::path record;
  std::uint64_t start_ticks = 0;
  std::int64_t started_unix_ms = 0;
  std::optional<ServiceSpec> spec;  // what it runs, when known (not for one adopted as leaving)
  // Its own log from the overlap start on: the service log renamed, which it keeps writing
  // to, so that the new instance's lines (a failed start's traceback) stand apart.
  std::string log;
  std::uint64_t log_offset = 0;  // where its own lines begin in that log
  std::uint16_t port = 0;        // deploy: proxy: its own port
  unsigned long socket = 0;      // listen: its socket (sys::Listener::id); 0: none known
};

struct Runtime {
  ServiceSpec spec;
  ServiceSpec running_spec;  // the definition the running instance was started with
  ServiceState state = ServiceState::stopped;
  RestartTracker tracker;
  bool wanted = true;    // the operator wants it running
  bool retired = false;  // removed by a deploy: stopped and no longer shown
  bool restart_after_stop = false;
  // An overlap start waiting for older instances to finish stopping: never three instances
  // on a shared port (the platform's hand-over between two breaks with a third).
  bool overlap_pending = false;
  pid_t pid = -1;
  int pidfd = -1;
  std::uint64_t start_ticks = 0;
  bool adopted = false;
  std::uint64_t instance = 0;
  std::vector<Leaving> leaving;
  // deploy: proxy: the instance's own port.
  std::uint16_t port = 0;
  // listen: the instance's socket (sys::Listener::id), kept across its restarts; 0: none yet.
  // Beside a leaving instance (a hand-over) it is a socket of its own, unless it had to share.
  unsigned long socket = 0;
  // The old instances' drain once new connections go to this instance (deploy: proxy, or a
  // hand-over with a socket of its own); they are stopped when done, or at drain_until.
  bool draining = false;
  Clock::time_point drain_until{};
  Clock::time_point next_drain_check{};
  std::string refused;  // why the proxy would not take this instance: it is failed once stopped
  std::uint64_t generation = 0;  // one per instance; stale probe results are ignored
  Clock::time_point started{};
  std::int64_t started_unix_ms = 0;
  std::uint64_t log_offset = 0;
  Clock::time_point state_since{};
  std::int64_t state_since_unix_ms = 0;
  Due due = Due::none;
  Clock::time_point due_at{};
  std::chrono::microseconds ready_delay = k_first_ready_probe;
  Clock::time_point ready_deadline{};
  bool probe_in_flight = false;
  std::int64_t restarts = 0;
  std::string last_exit;
  std::optional<int> last_exit_code;
  std::string probe;
  bool probe_ok = false;
  bool probe_own_failure = false;  // `probe` is a failing answer of this very instance
  int liveness_failures = 0;
  std::vector<std::string> evidence;
  // The probes of the running instance (${pid} filled in).
  std::optional<manifest::ProbeSpec> ready;
  std::optional<manifest::ProbeSpec> liveness;

  explicit Runtime(ServiceSpec service)
      : spec(std::move(service)), tracker(spec.restart.backoff, spec.restart.crash_loop) {}

  bool is_running() const { return pidfd >= 0; }
};

// The log an old instance keeps writing to during an overlap start (the service log renamed).
std::string leaving_log(const ServiceSpec& spec, pid_t pid);

// Whether an instance started from `running` runs what `wanted` describes.
bool same_definition(const ServiceSpec& running, const ServiceSpec& wanted);

}  // namespace bosun::agent::supervise
