#pragma once
// The clock behind one interface: the monotonic time that timers and backoff count on, and
// the wall-clock milliseconds that statuses and records show. Tests use a manual clock
// (tests/support/manual_clock.hpp) that moves only when told.

#include <chrono>
#include <cstdint>

namespace bosun::agent::sys {

class TimeSource {
 public:
  using TimePoint = std::chrono::steady_clock::time_point;
  virtual ~TimeSource() = default;
  virtual TimePoint now() const = 0;
  virtual std::int64_t unix_ms() const = 0;
};

const TimeSource& system_time();

}  // namespace bosun::agent::sys
