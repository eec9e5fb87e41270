#pragma once
// What the supervisor says about a service (its state and the API's view of it) and the ways a
// caller can change one. Shared by the supervision state machine, its event loop and the API.

#include <sys/types.h>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace bosun::agent::supervise {

enum class ServiceState {
  stopped,
  waiting,
  starting,
  ready,
  unhealthy,
  stopping,
  backoff,
  crash_loop,
  failed,
  exited
};
std::string to_string(ServiceState state);

// What the API shows of a service.
struct ServiceStatus {
  std::string name;
  ServiceState state = ServiceState::stopped;
  pid_t pid = -1;
  bool adopted = false;
  std::int64_t restarts = 0;
  std::string last_exit;  // e.g. "exited with code 1", "killed by SIGKILL"
  std::optional<int> last_exit_code;
  std::int64_t state_since_unix_ms = 0;
  std::int64_t started_unix_ms = 0;
  std::string probe;  // last probe result: "pass: ..." or "fail: ..."
  bool probe_ok = false;
  int liveness_failures = 0;
  std::vector<std::string> depends_on;
  std::string log_path;
  std::vector<std::string> evidence;  // last log lines kept when it failed
  // A container service: the variables it is given (names only), for a container that exits
  // without a word because one it needs is missing.
  std::vector<std::string> container_env;
  std::uint64_t instance = 0;  // counts the instances started: a new one is a new number
  int leaving = 0;             // old instances still running after an overlap start
  std::uint16_t port = 0;      // deploy: proxy: the serving instance's own port
  int leaving_stopping = 0;    // ... of which already told to stop
};

// A one-shot task (migrations, say) that exited with code 0: done, not down.
inline bool finished_cleanly(const ServiceStatus& status) {
  return status.state == ServiceState::exited && status.last_exit_code == 0;
}

enum class RequestKind { start, stop, restart, stop_all, update, retire };

// How a deploy brings a service onto a new definition.
enum class UpdateMode {
  in_place,  // only the definition changes (e.g. its release directory); no restart
  restart,   // stop the old instance, then start the new one
  overlap,   // start the new one beside the old one, stop the old one once the new is ready
};

}  // namespace bosun::agent::supervise
