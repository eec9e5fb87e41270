// Draining old instances in the supervision state machine, once new connections go to their
// replacement: behind nginx (deploy: proxy, after the upstream switch) and in a hand-over on
// the agent's socket (after steering to the new instance's own socket). An old instance gets
// its stop signal only when it has nothing left: its queue accepted, its connections closed;
// or at the drain timeout.
#include <algorithm>

#include "bosun/common/duration.hpp"
#include "state/journal.hpp"
#include "supervise/supervision.hpp"

namespace bosun::agent::supervise {

namespace {

constexpr std::chrono::milliseconds k_drain_check_every{100};
// The first look at a drained queue waits this long: a handshake that began before the switch
// still lands in the old instance's queue (a round trip on a LAN; see docs/DEPLOY.md for WAN
// clients and net.ipv4.tcp_migrate_req).
constexpr std::chrono::milliseconds k_first_handoff_check{100};

Duration drain_timeout(const Runtime& runtime) {
  return runtime.spec.proxy ? runtime.spec.proxy->drain_timeout
                            : runtime.spec.listen->drain_timeout;
}

// An old instance still serving on a socket of its own (not the one its replacement has).
bool drains_on_own_socket(const Leaving& old, const Runtime& runtime) {
  return !old.signalled && old.socket != 0 && old.socket != runtime.socket;
}

}  // namespace

// The new instance is ready: new connections go to its socket from now on, and the old
// instances that have sockets of their own drain. Those sharing its socket (steering not
// possible) are stopped at once by became_ready.
void Supervision::steer_to_new_instance(Runtime& runtime) {
  runtime.draining = false;
  const bool beside_own =
      std::any_of(runtime.leaving.begin(), runtime.leaving.end(),
                  [&](const Leaving& old) { return drains_on_own_socket(old, runtime); });
  if (!beside_own || runtime.socket == 0) {
    return;
  }
  const std::string why = m_effects.sockets.steer_to(runtime.spec.name, runtime.socket);
  if (!why.empty()) {
    m_effects.journal.record(runtime.spec.name, "socket",
                             "new connections could not be steered to the new instance (" + why +
                                 "): the old one is stopped at once");
    return;
  }
  m_effects.journal.record(runtime.spec.name, "socket",
                           "new connections go to the new instance; the old one drains");
  const auto now = m_effects.time.now();
  runtime.draining = true;
  runtime.drain_until = now + drain_timeout(runtime);
  runtime.next_drain_check = now + k_first_handoff_check;
}

// What the old instances still have after the steering; empty once drained.
std::string Supervision::handoff_drain_left(const Runtime& runtime) {
  int waiting = 0;
  int open = 0;
  for (const Leaving& old : runtime.leaving) {
    if (!drains_on_own_socket(old, runtime)) {
      continue;
    }
    waiting += std::max(0, m_effects.sockets.waiting_connections(runtime.spec.name, old.socket));
    open += m_effects.sockets.open_connections(old.pid, runtime.spec.listen->port);
  }
  if (waiting > 0) {
    return std::to_string(waiting) + " connection(s) not yet accepted";
  }
  return open == 0 ? "" : "still " + std::to_string(open) + " connection(s)";
}

// Old instances whose connections are gone (or whose drain timed out) are told to stop.
void Supervision::check_drains() {
  const auto now = m_effects.time.now();
  for (Runtime& runtime : m_runtimes) {
    if (!runtime.draining || now < runtime.next_drain_check) {
      continue;
    }
    const std::string left =
        runtime.spec.proxy ? proxy_drain_left(runtime) : handoff_drain_left(runtime);
    if (!left.empty() && now < runtime.drain_until) {
      runtime.next_drain_check = now + k_drain_check_every;
      continue;
    }
    runtime.draining = false;
    const std::string drained = runtime.spec.proxy
                                    ? "drained: nginx sends its traffic to the new instance"
                                    : "drained: new connections go to the new instance";
    stop_leaving(runtime, left.empty() ? drained
                                       : left + " at the drain timeout (" +
                                             format_duration(drain_timeout(runtime)) + ")");
  }
}

// An old instance (or a failed replacement) is gone: the agent's copy of its socket is closed,
// unless another instance still uses it (a shared socket).
void Supervision::let_go_of_socket(Runtime& runtime, unsigned long socket) {
  const bool in_use = socket == runtime.socket ||
                      std::any_of(runtime.leaving.begin(), runtime.leaving.end(),
                                  [&](const Leaving& old) { return old.socket == socket; });
  if (socket != 0 && !in_use && runtime.spec.listen) {
    m_effects.sockets.let_go(runtime.spec.name, socket);
  }
}

}  // namespace bosun::agent::supervise
