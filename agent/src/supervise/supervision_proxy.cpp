// deploy: proxy in the supervision state machine: each instance on a port of its own from the
// service's range; when one becomes ready, the nginx upstream is switched to it (a refused
// switch stops it, and the old instance keeps serving); the old instances are then stopped
// once their connections have drained, or at the drain timeout.
#include <algorithm>

#include "bosun/common/duration.hpp"
#include "state/journal.hpp"
#include "supervise/log_files.hpp"
#include "supervise/supervision.hpp"

namespace bosun::agent::supervise {

std::uint16_t Supervision::pick_port(const Runtime& runtime) {
  const ProxyPlan& plan = *runtime.spec.proxy;
  const auto usable = [&](std::uint16_t port) {
    const bool in_range = port >= plan.first_port && port <= plan.last_port;
    const bool taken = std::any_of(runtime.leaving.begin(), runtime.leaving.end(),
                                   [&](const Leaving& old) { return old.port == port; });
    return in_range && !taken && m_effects.proxy.port_free(port);
  };
  if (runtime.port != 0 && usable(runtime.port)) {
    return runtime.port;  // a restart after a crash: where the upstream already points
  }
  // A start beside no other instance (after a reboot, say): where nginx already sends traffic.
  const std::uint16_t current =
      runtime.leaving.empty() ? m_effects.proxy.upstream_port(plan) : std::uint16_t{0};
  if (current != 0 && usable(current)) {
    return current;
  }
  for (std::uint32_t port = plan.first_port; port <= plan.last_port; ++port) {
    if (usable(static_cast<std::uint16_t>(port))) {
      return static_cast<std::uint16_t>(port);
    }
  }
  throw std::runtime_error("no free port in " + std::to_string(plan.first_port) + "-" +
                           std::to_string(plan.last_port) + " (proxy.ports)");
}

// The upstream to the instance that just became ready. False when nginx refused it: the
// instance is then stopped and marked failed, and the old one (if any) keeps serving.
bool Supervision::switch_upstream_to(Runtime& runtime) {
  const ProxyPlan& plan = *runtime.spec.proxy;
  runtime.draining = false;
  const bool old_serving = std::any_of(runtime.leaving.begin(), runtime.leaving.end(),
                                       [](const Leaving& old) { return !old.signalled; });
  if (m_effects.proxy.upstream_port(plan) != runtime.port) {
    const UpstreamSwitch result = m_effects.proxy.switch_upstream(plan, runtime.port, old_serving);
    if (!result.ok) {
      m_effects.journal.record(runtime.spec.name, "proxy",
                               "upstream " + plan.name + " left as it was: " + result.detail);
      runtime.refused = "nginx did not take the new instance: " + result.detail;
      stop(runtime, "the upstream could not be switched to it");
      return false;
    }
    m_effects.journal.record(runtime.spec.name, "proxy", result.detail);
  }
  if (old_serving) {
    runtime.draining = true;
    runtime.drain_until = m_effects.time.now() + plan.drain_timeout;
    runtime.next_drain_check = m_effects.time.now();
  }
  return true;
}

// What the old instances still have after the upstream switch; empty once drained.
std::string Supervision::proxy_drain_left(const Runtime& runtime) {
  if (!m_effects.proxy.reload_settled(*runtime.spec.proxy)) {
    return "nginx's old workers still running";
  }
  int open = 0;
  for (const Leaving& old : runtime.leaving) {
    open += old.signalled || old.port == 0 ? 0 : m_effects.proxy.open_connections(old.port);
  }
  return open == 0 ? "" : "still " + std::to_string(open) + " connection(s)";
}

}  // namespace bosun::agent::supervise
