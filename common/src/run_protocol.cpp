#include "bosun/common/run_protocol.hpp"

#include <array>
#include <utility>

namespace bosun {
namespace {

template <typename Enum, std::size_t N>
using Names = std::array<std::pair<Enum, std::string_view>, N>;

constexpr Names<RunResult, 5> k_results{{
    {RunResult::succeeded, "succeeded"},
    {RunResult::failed, "failed"},
    {RunResult::rolled_back, "rolled-back"},
    {RunResult::locked, "locked"},
    {RunResult::refused, "refused"},
}};

constexpr Names<RunEventType, 5> k_event_types{{
    {RunEventType::run_started, "run-started"},
    {RunEventType::step_started, "step-started"},
    {RunEventType::step_finished, "step-finished"},
    {RunEventType::note, "note"},
    {RunEventType::run_finished, "run-finished"},
}};

constexpr Names<StepOutcome, 3> k_step_outcomes{{
    {StepOutcome::ok, "ok"},
    {StepOutcome::failed, "failed"},
    {StepOutcome::skipped, "skipped"},
}};

template <typename Enum, std::size_t N>
std::string_view name_of(const Names<Enum, N>& names, Enum value) {
  for (const auto& [known, name] : names) {
    if (known == value) {
      return name;
    }
  }
  return names.front().second;
}

template <typename Enum, std::size_t N>
std::optional<Enum> value_of(const Names<Enum, N>& names, std::string_view text) {
  for (const auto& [known, name] : names) {
    if (name == text) {
      return known;
    }
  }
  return std::nullopt;
}

}  // namespace

std::string_view to_string(RunResult result) {
  return name_of(k_results, result);
}
std::optional<RunResult> parse_run_result(std::string_view text) {
  return value_of(k_results, text);
}
std::string_view to_string(RunEventType type) {
  return name_of(k_event_types, type);
}
std::optional<RunEventType> parse_run_event_type(std::string_view text) {
  return value_of(k_event_types, text);
}
std::string_view to_string(StepOutcome outcome) {
  return name_of(k_step_outcomes, outcome);
}
std::optional<StepOutcome> parse_step_outcome(std::string_view text) {
  return value_of(k_step_outcomes, text);
}

}  // namespace bosun
