#include "fleet/host_result.hpp"

#include <array>
#include <utility>

namespace bosun::controller::fleet {

namespace {

constexpr std::array<std::pair<HostResult, std::string_view>, 8> k_names{{
    {HostResult::succeeded, "succeeded"},
    {HostResult::failed, "failed"},
    {HostResult::rolled_back, "rolled-back"},
    {HostResult::locked, "locked"},
    {HostResult::refused, "refused"},
    {HostResult::unreachable, "unreachable"},
    {HostResult::skipped, "skipped"},
    {HostResult::reverted, "reverted"},
}};

}  // namespace

std::string_view to_string(HostResult result) {
  for (const auto& [value, name] : k_names) {
    if (value == result) {
      return name;
    }
  }
  return "failed";
}

std::optional<HostResult> parse_host_result(std::string_view text) {
  for (const auto& [value, name] : k_names) {
    if (name == text) {
      return value;
    }
  }
  return std::nullopt;
}

HostResult host_result_of(RunResult result) {
  switch (result) {
    case RunResult::succeeded:
      return HostResult::succeeded;
    case RunResult::failed:
      return HostResult::failed;
    case RunResult::rolled_back:
      return HostResult::rolled_back;
    case RunResult::locked:
      return HostResult::locked;
    case RunResult::refused:
      return HostResult::refused;
  }
  return HostResult::failed;
}

}  // namespace bosun::controller::fleet
