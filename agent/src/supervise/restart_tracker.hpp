#pragma once
// Decides when a crashed service runs again: at once after a stable run, then exponential
// backoff between quick crashes (reset by a stable run), and crash-loop detection with a capped
// cool-down. Pure logic on injected times, so it is tested without waiting.

#include <chrono>
#include <deque>

#include "bosun/manifest/model.hpp"

namespace bosun::agent::supervise {

using Clock = std::chrono::steady_clock;

struct RestartDecision {
  std::chrono::milliseconds delay{0};
  bool crash_loop = false;          // more restarts than allowed within the window
  bool entered_crash_loop = false;  // true only on the exit that started the crash loop
  bool give_up = false;             // crash loop and the manifest says give up
};

class RestartTracker {
 public:
  RestartTracker(const manifest::Backoff& backoff, const manifest::CrashLoopPolicy& crash_loop)
      : m_backoff(backoff), m_crash_loop(crash_loop) {}

  // Called when the service exited at `now` after running since `started`.
  RestartDecision on_exit(Clock::time_point started, Clock::time_point now);
  bool in_crash_loop() const { return m_in_crash_loop; }
  // A restart the operator asked for is not a crash: forget the history.
  void reset();

 private:
  manifest::Backoff m_backoff;
  manifest::CrashLoopPolicy m_crash_loop;
  int m_consecutive = 0;                  // quick crashes in a row
  std::deque<Clock::time_point> m_exits;  // within the crash-loop window
  bool m_in_crash_loop = false;
};

}  // namespace bosun::agent::supervise
