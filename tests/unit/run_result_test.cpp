// The run results both binaries share, and their one text form.

#include "bosun/common/run_result.hpp"

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

}  // namespace
}  // namespace bosun
