// The build step on real commands in a release directory.

#include <filesystem>
#include <fstream>
#include <sstream>

#include <gtest/gtest.h>

#include "agent_namespaces.hpp"
#include "child_process.hpp"
#include "deploy/steps/build_step.hpp"

namespace bosun::agent {
namespace {

std::string slurp(const std::string& path) {
  std::ifstream in(path);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

manifest::Command argv(std::vector<std::string> words) {
  return manifest::Command{std::move(words), "", {}};
}
manifest::Command shell(std::string line) {
  return manifest::Command{{}, std::move(line), {}};
}

TEST(BuildStep, RunsEveryCommandInTheReleaseInOrder) {
  test::TempDir dir;
  manifest::Build build;
  build.commands = {argv({"mkdir", "-p", "out"}), shell("echo $GREETING > out/artifact")};
  const auto outcome =
      run_build(build, dir.path(), {{"GREETING", "hello"}, {"PATH", "/usr/bin:/bin"}},
                dir.path() + "/build.log");
  ASSERT_TRUE(outcome.succeeded) << outcome.last.describe() << "\n" << slurp(outcome.log_path);
  EXPECT_EQ(slurp(dir.path() + "/out/artifact"), "hello\n");
  const std::string log = slurp(dir.path() + "/build.log");
  EXPECT_NE(log.find("$ mkdir -p out"), std::string::npos) << log;
  EXPECT_NE(log.find("$ sh: echo $GREETING > out/artifact"), std::string::npos) << log;
}

TEST(BuildStep, StopsAtTheFirstFailureAndSaysWhich) {
  test::TempDir dir;
  manifest::Build build;
  build.commands = {shell("echo compiling; exit 2"), shell("touch should-not-exist")};
  const auto outcome =
      run_build(build, dir.path(), {{"PATH", "/usr/bin:/bin"}}, dir.path() + "/build.log");
  EXPECT_FALSE(outcome.succeeded);
  EXPECT_EQ(outcome.failed_command, "sh: echo compiling; exit 2");
  EXPECT_EQ(outcome.last.exit_code, 2);
  EXPECT_FALSE(std::filesystem::exists(dir.path() + "/should-not-exist"));
  EXPECT_NE(slurp(outcome.log_path).find("bosun: exited with code 2"), std::string::npos);
}

TEST(BuildStep, TheTimeoutCoversTheWholeBuild) {
  test::TempDir dir;
  manifest::Build build;
  build.timeout = std::chrono::milliseconds(400);
  build.commands = {shell("sleep 0.3"), shell("sleep 5")};
  const auto outcome =
      run_build(build, dir.path(), {{"PATH", "/usr/bin:/bin"}}, dir.path() + "/build.log");
  EXPECT_FALSE(outcome.succeeded);
  EXPECT_TRUE(outcome.last.timed_out);
  EXPECT_EQ(outcome.failed_command, "sh: sleep 5");
}

}  // namespace
}  // namespace bosun::agent
