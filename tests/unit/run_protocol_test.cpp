// What both binaries say about a run (results, event types, step outcomes): one text form each.

#include "bosun/common/run_protocol.hpp"

#include <gtest/gtest.h>

namespace bosun {
namespace {

TEST(RunResult, EveryResultReadsBackFromItsText) {
  for (const RunResult result : {RunResult::succeeded, RunResult::failed, RunResult::rolled_back,
                                 RunResult::locked, RunResult::refused}) {
    EXPECT_EQ(parse_run_result(to_string(result)), result) << to_string(result);
  }
  EXPECT_EQ(to_string(RunResult::rolled_back), "rolled-back");  // the journal's and JSON's form
  EXPECT_EQ(parse_run_result("interrupted"), std::nullopt);
  EXPECT_EQ(parse_run_result("Succeeded"), std::nullopt);
}

TEST(RunProtocol, EventTypesAndStepOutcomesReadBackFromTheirText) {
  for (const RunEventType type :
       {RunEventType::run_started, RunEventType::step_started, RunEventType::step_finished,
        RunEventType::note, RunEventType::run_finished}) {
    EXPECT_EQ(parse_run_event_type(to_string(type)), type) << to_string(type);
  }
  EXPECT_EQ(to_string(RunEventType::step_finished), "step-finished");
  EXPECT_EQ(parse_run_event_type("progress"), std::nullopt);
  for (const StepOutcome outcome : {StepOutcome::ok, StepOutcome::failed, StepOutcome::skipped}) {
    EXPECT_EQ(parse_step_outcome(to_string(outcome)), outcome) << to_string(outcome);
  }
  EXPECT_EQ(parse_step_outcome("FAILED"), std::nullopt);
}

}  // namespace
}  // namespace bosun
