#pragma once
// Internal: one way to build a CheckResult, timed from when the check started.

#include <chrono>
#include <string>

#include "bosun/checks/check_runner.hpp"

namespace bosun::checks::detail {

using Clock = std::chrono::steady_clock;

inline CheckResult make_result(Status status, std::string evidence, std::string action,
                               Clock::time_point start) {
  return CheckResult{status, std::move(evidence), std::move(action),
                     std::chrono::duration_cast<std::chrono::microseconds>(Clock::now() - start)};
}

}  // namespace bosun::checks::detail
