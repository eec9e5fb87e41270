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
#include "supervise/service_status.hpp"

namespace bosun::agent::state {
class Journal;
}  // namespace bosun::agent::state

namespace bosun::agent::supervise {

class Supervisor {
 public:
  Supervisor(std::vector<ServiceSpec> services, HostLayout layout, state::Journal& journal);
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

// One service's status from snapshot(); nullopt when the supervisor does not know it.
std::optional<ServiceStatus> status_of(const Supervisor& supervisor, const std::string& name);

// Waits for a request's reply (bounded: a stuck loop must not hang the caller); the error
// message, empty when done.
std::string await_reply(std::future<std::string> reply);

}  // namespace bosun::agent::supervise
