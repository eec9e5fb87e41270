#pragma once
// Test support: a TimeSource that moves only when the test says so.

#include <chrono>
#include <cstdint>

#include "agent_namespaces.hpp"
#include "sys/time_source.hpp"

namespace bosun::test {

class ManualClock final : public agent::TimeSource {
 public:
  TimePoint now() const override { return m_now; }
  std::int64_t unix_ms() const override {
    return k_unix_start_ms +
           std::chrono::duration_cast<std::chrono::milliseconds>(m_now - TimePoint{}).count();
  }
  void advance(std::chrono::microseconds by) { m_now += by; }

 private:
  static constexpr std::int64_t k_unix_start_ms = 1'800'000'000'000;
  TimePoint m_now{std::chrono::hours(1)};
};

}  // namespace bosun::test
