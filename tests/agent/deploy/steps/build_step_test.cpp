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
  const auto outcome = run_build(
      build,
      {dir.path(), {{"GREETING", "hello"}, {"PATH", "/usr/bin:/bin"}}, dir.path() + "/build.log"});
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
      run_build(build, {dir.path(), {{"PATH", "/usr/bin:/bin"}}, dir.path() + "/build.log"});
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
      run_build(build, {dir.path(), {{"PATH", "/usr/bin:/bin"}}, dir.path() + "/build.log"});
  EXPECT_FALSE(outcome.succeeded);
  EXPECT_TRUE(outcome.last.timed_out);
  EXPECT_EQ(outcome.failed_command, "sh: sleep 5");
}

// A stand-in npm on PATH that installs one package and counts its runs: the reuse logic is
// what is tested here (the real npm, from the registry, in the stack tests and bench/).
class NodeInstallTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::filesystem::create_directories(top.path() + "/bin");
    std::ofstream(top.path() + "/bin/npm")
        << "#!/bin/sh\necho \"npm $*\" >> " << top.path() << "/npm-runs\n"
        << "mkdir -p node_modules/left-pad node_modules/.bin node_modules/.cache && "
           "echo 'module.exports = 1' > node_modules/left-pad/index.js && "
           "ln -s ../left-pad/index.js node_modules/.bin/left-pad && "
           "echo cached > node_modules/.cache/state\n";
    std::filesystem::permissions(top.path() + "/bin/npm", std::filesystem::perms::owner_all);
  }
  // A release with this package-lock.json, built with `previous` as the live release.
  BuildOutcome build_release(const std::string& name, const std::string& lock,
                             const std::string& previous) {
    const std::string dir = top.path() + "/" + name;
    std::filesystem::create_directories(dir);
    std::ofstream(dir + "/package-lock.json") << lock;
    manifest::Build build;
    build.node = manifest::NodeBuild{};
    BuildSite site{dir, {{"PATH", top.path() + "/bin:/usr/bin:/bin"}}, dir + ".build.log"};
    site.previous_dir = previous.empty() ? "" : top.path() + "/" + previous;
    site.cache_dir = top.path() + "/cache";
    return run_build(build, site);
  }
  int npm_runs() const {
    std::ifstream in(top.path() + "/npm-runs");
    int lines = 0;
    for (std::string line; std::getline(in, line);) {
      ++lines;
    }
    return lines;
  }
  std::uintmax_t link_count(const std::string& release) const {
    return std::filesystem::hard_link_count(top.path() + "/" + release +
                                            "/node_modules/left-pad/index.js");
  }
  test::TempDir top;
};

TEST_F(NodeInstallTest, AnUnchangedLockfileReusesNodeModulesAChangedOneInstalls) {
  const auto first = build_release("r1", "{\"lockfileVersion\": 3}", "");
  ASSERT_TRUE(first.succeeded) << slurp(first.log_path);
  EXPECT_EQ(npm_runs(), 1);
  EXPECT_NE(first.installed.at(0).find("npm ci (no live release"), std::string::npos)
      << first.installed.at(0);
  EXPECT_NE(slurp(top.path() + "/npm-runs").find("npm ci --no-audit"), std::string::npos);

  const auto second = build_release("r2", "{\"lockfileVersion\": 3}", "r1");
  ASSERT_TRUE(second.succeeded) << slurp(second.log_path);
  EXPECT_EQ(npm_runs(), 1) << "not installed again";
  EXPECT_NE(second.installed.at(0).find("node_modules reused from r1 (package-lock.json unchanged"),
            std::string::npos)
      << second.installed.at(0);
  EXPECT_EQ(slurp(top.path() + "/r2/node_modules/left-pad/index.js"), "module.exports = 1\n");
  EXPECT_EQ(link_count("r2"), 2U) << "the same file, linked from r1";
  EXPECT_TRUE(std::filesystem::is_symlink(top.path() + "/r2/node_modules/.bin/left-pad"));
  EXPECT_FALSE(std::filesystem::exists(top.path() + "/r2/node_modules/.cache"))
      << "tools' caches are not shared with the live release";

  const auto third = build_release("r3", "{\"lockfileVersion\": 3, \"changed\": true}", "r2");
  ASSERT_TRUE(third.succeeded) << slurp(third.log_path);
  EXPECT_EQ(npm_runs(), 2);
  EXPECT_NE(third.installed.at(0).find("package-lock.json changed"), std::string::npos)
      << third.installed.at(0);
}

TEST(PythonInstall, AVenvPerReleaseWithThePipCacheShared) {
  test::TempDir dir;
  std::ofstream(dir.path() + "/requirements.txt") << "flask\n";
  manifest::Build build;
  build.python = manifest::PythonBuild{"requirements.txt", ".venv", true, "/usr/bin/python3"};
  BuildSite site{
      dir.path(), {{"PATH", "/usr/bin:/bin"}, {"HOME", dir.path()}}, dir.path() + "/build.log"};
  site.cache_dir = dir.path() + "/cache";
  const auto outcome = run_build(build, site);
  ASSERT_TRUE(outcome.succeeded) << slurp(outcome.log_path);
  EXPECT_TRUE(std::filesystem::exists(dir.path() + "/.venv/bin/python"));
  EXPECT_NE(outcome.installed.at(0).find("pip install -r requirements.txt (cache " + dir.path() +
                                         "/cache/pip)"),
            std::string::npos)
      << outcome.installed.at(0);
  EXPECT_NE(slurp(outcome.log_path).find("Requirement already satisfied: flask"), std::string::npos)
      << slurp(outcome.log_path);
}

TEST(PythonInstall, AFailingPipFailsTheBuildNamingTheCommand) {
  test::TempDir dir;
  std::ofstream(dir.path() + "/requirements.txt") << "this is not a requirement\n";
  manifest::Build build;
  build.python = manifest::PythonBuild{"requirements.txt", ".venv", true, "/usr/bin/python3"};
  const auto outcome =
      run_build(build, {dir.path(), {{"PATH", "/usr/bin:/bin"}}, dir.path() + "/build.log"});
  EXPECT_FALSE(outcome.succeeded);
  EXPECT_NE(outcome.failed_command.find("-m pip install -r requirements.txt"), std::string::npos)
      << outcome.failed_command;
}

}  // namespace
}  // namespace bosun::agent
