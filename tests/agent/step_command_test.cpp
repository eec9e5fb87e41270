// Deploy-step commands as real processes: exit codes, logs, environment, timeouts.

#include <filesystem>
#include <fstream>
#include <sstream>

#include <gtest/gtest.h>

#include "child_process.hpp"
#include "step_command.hpp"

namespace bosun::agent {
namespace {

using std::chrono::milliseconds;

std::string slurp(const std::string& path) {
  std::ifstream in(path);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

TEST(StepCommand, SucceedsAndLogsWithItsEnvironmentAndDirectory) {
  test::TempDir dir;
  const std::string log = dir.path() + "/build.log";
  const auto result =
      run_step_command({{"/bin/sh", "-c", "echo building $APP in $(pwd); echo warning >&2"},
                        {{"APP", "demo"}},
                        dir.path(),
                        log,
                        milliseconds(10'000),
                        ""});
  EXPECT_TRUE(result.succeeded()) << result.describe();
  EXPECT_EQ(result.exit_code, 0);
  const std::string output = slurp(log);
  EXPECT_NE(output.find("building demo in " + dir.path()), std::string::npos) << output;
  EXPECT_NE(output.find("warning"), std::string::npos) << output;
}

TEST(StepCommand, ReportsFailure) {
  test::TempDir dir;
  const auto result = run_step_command(
      {{"/bin/sh", "-c", "exit 7"}, {}, dir.path(), dir.path() + "/log", milliseconds(10'000), ""});
  EXPECT_FALSE(result.succeeded());
  EXPECT_EQ(result.exit_code, 7);
  EXPECT_EQ(result.describe(), "exited with code 7");
}

TEST(StepCommand, TimeoutKillsTheWholeGroup) {
  test::TempDir dir;
  const std::string marker = dir.path() + "/late";
  // The grandchild would create the marker after 2 s if it survived the timeout.
  const auto result =
      run_step_command({{"/bin/sh", "-c", "(sleep 2; touch " + marker + ") & sleep 30"},
                        {},
                        dir.path(),
                        dir.path() + "/log",
                        milliseconds(300),
                        ""});
  EXPECT_TRUE(result.timed_out);
  EXPECT_FALSE(result.succeeded());
  EXPECT_LT(result.took, milliseconds(5'000));
  EXPECT_NE(result.describe().find("timed out after"), std::string::npos);
  std::this_thread::sleep_for(milliseconds(2'500));
  EXPECT_FALSE(std::filesystem::exists(marker));
}

TEST(StepCommand, MissingProgramIsAClearFailure) {
  test::TempDir dir;
  const auto result = run_step_command({{"no-such-program-here"},
                                        {{"PATH", "/usr/bin:/bin"}},
                                        dir.path(),
                                        dir.path() + "/log",
                                        milliseconds(5'000),
                                        ""});
  EXPECT_FALSE(result.succeeded());
  EXPECT_EQ(result.exit_code, 127);
  EXPECT_NE(slurp(dir.path() + "/log").find("bosun-agent: cannot run: no-such-program-here"),
            std::string::npos);
}

}  // namespace
}  // namespace bosun::agent
