#pragma once
// The supervisor: starts services in dependency order behind readiness gates, restarts them
// with backoff, detects crash loops, runs liveness probes, stops them gracefully, and adopts
// services left running by a previous agent. One thread runs an epoll loop over pidfds (exit
// detection is event-driven), a timerfd, a signalfd and an eventfd for requests; probes run
// on their own threads. Other threads talk to it only through snapshot() and request().

#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <future>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "core/host_layout.hpp"
#include "supervise/service_spec.hpp"

namespace bosun::agent {

class Journal;

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
  std::uint64_t instance = 0;         // counts the instances started: a new one is a new number
  int leaving = 0;                    // old instances still running after an overlap start
  int leaving_stopping = 0;           // ... of which already told to stop
};

enum class RequestKind { start, stop, restart, stop_all, update, retire };

// How a deploy brings a service onto a new definition.
enum class UpdateMode {
  in_place,  // only the definition changes (e.g. its release directory); no restart
  restart,   // stop the old instance, then start the new one
  overlap,   // start the new one beside the old one, stop the old one once the new is ready
};

class Supervisor {
 public:
  Supervisor(std::vector<ServiceSpec> services, HostLayout layout, Journal& journal);
  ~Supervisor();
  Supervisor(const Supervisor&) = delete;
  Supervisor& operator=(const Supervisor&) = delete;

  // Adopts what is still running, starts the rest, and supervises until SIGTERM/SIGINT
  // (services keep running) or a stop_all request (services are stopped first).
  void run();

  // Thread-safe.
  std::vector<ServiceStatus> snapshot() const;
  // Thread-safe: handled by the loop; the future carries an error message, empty when done.
  std::future<std::string> request(RequestKind kind, const std::string& service);
  // Thread-safe: puts a service on a new definition (adding it when it is new). The future
  // is set once the change has begun; readiness shows in snapshot() as a new `instance`.
  std::future<std::string> update(ServiceSpec spec, UpdateMode mode);
  // Thread-safe: stops a service the new release no longer has and forgets it.
  std::future<std::string> retire(const std::string& service);

 private:
  struct Impl;
  std::unique_ptr<Impl> m_impl;
};

// Waits for a request's reply (bounded: a stuck loop must not hang the caller); the error
// message, empty when done.
std::string await_reply(std::future<std::string> reply);

}  // namespace bosun::agent
