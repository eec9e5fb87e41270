#include "supervise/restart_tracker.hpp"

#include <algorithm>

namespace bosun::agent::supervise {

RestartDecision RestartTracker::on_exit(Clock::time_point started, Clock::time_point now) {
  const bool stable_run = now - started >= m_backoff.reset_after;
  if (stable_run) {
    m_consecutive = 0;
    m_exits.clear();
    m_in_crash_loop = false;
  }
  ++m_consecutive;
  m_exits.push_back(now);
  while (!m_exits.empty() && now - m_exits.front() > m_crash_loop.window) {
    m_exits.pop_front();
  }
  RestartDecision decision;
  // The first crash after a stable run restarts at once (a service that ran for a while and
  // fell over should be back in milliseconds); crashes after that wait initial, 2x, 4x, ...
  // capped at max. The shift is bounded so it cannot overflow.
  if (m_consecutive > 1) {
    const int doublings = std::min(m_consecutive - 2, 30);
    const auto doubled = m_backoff.initial * (std::int64_t{1} << doublings);
    decision.delay = std::min<std::chrono::milliseconds>(doubled, m_backoff.max);
  }
  if (static_cast<int>(m_exits.size()) > m_crash_loop.restarts) {
    decision.crash_loop = true;
    decision.entered_crash_loop = !m_in_crash_loop;
    m_in_crash_loop = true;
    decision.give_up = m_crash_loop.give_up;
    // Never spin: wait the cool-down, then try again (unless giving up).
    decision.delay = std::max(decision.delay, m_crash_loop.cooldown);
  }
  return decision;
}

void RestartTracker::reset() {
  m_consecutive = 0;
  m_exits.clear();
  m_in_crash_loop = false;
}

}  // namespace bosun::agent::supervise
