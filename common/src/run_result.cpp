#include "bosun/common/run_result.hpp"

#include <array>
#include <utility>

namespace bosun {
namespace {

constexpr std::array<std::pair<RunResult, std::string_view>, 5> k_names{{
    {RunResult::succeeded, "succeeded"},
    {RunResult::failed, "failed"},
    {RunResult::rolled_back, "rolled-back"},
    {RunResult::locked, "locked"},
    {RunResult::refused, "refused"},
}};

}  // namespace

std::string_view to_string(RunResult result) {
  for (const auto& [value, name] : k_names) {
    if (value == result) {
      return name;
    }
  }
  return "failed";
}

std::optional<RunResult> parse_run_result(std::string_view text) {
  for (const auto& [value, name] : k_names) {
    if (name == text) {
      return value;
    }
  }
  return std::nullopt;
}

}  // namespace bosun
