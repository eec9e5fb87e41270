// Whether a real process runs from a release: its cwd, program, arguments or environment.

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <memory>

#include <gtest/gtest.h>

#include "agent_namespaces.hpp"
#include "child_process.hpp"
#include "release/release_membership.hpp"

namespace bosun::test {
namespace {

namespace fs = std::filesystem;

class ReleaseMembershipTest : public ::testing::Test {
 protected:
  void SetUp() override {
    fs::create_directories(a);
    fs::create_directories(b);
  }

  std::unique_ptr<ChildProcess> sleeper(const std::string& cwd, std::vector<std::string> env = {},
                                        const std::string& arg = "") {
    std::vector<std::string> argv{"/bin/sleep", "30"};
    if (!arg.empty()) {
      argv = {"/bin/sh", "-c", "sleep 30; :", arg};  // sh stays, with `arg` in its cmdline
    }
    auto process = std::make_unique<ChildProcess>(
        ProcessOptions{argv, std::move(env), cwd, dir.path() + "/out.log"});
    // Asked only once it runs its program (between fork and exec it is still the test's).
    const std::string exe = "/proc/" + std::to_string(process->pid()) + "/exe";
    EXPECT_TRUE(wait_until(
        [&] {
          std::error_code error;
          return fs::read_symlink(exe, error).filename() != "agent_unit_tests";
        },
        std::chrono::seconds(5)));
    return process;
  }

  TempDir dir;
  std::string a = dir.path() + "/releases/A";
  std::string b = dir.path() + "/releases/AB";  // a prefix of the other must not count
};

TEST_F(ReleaseMembershipTest, AProcessWorkingInTheReleaseIsOfIt) {
  auto process = sleeper(a);
  EXPECT_EQ(agent::runs_outside_release(process->pid(), a), std::nullopt);
  const auto outside = agent::runs_outside_release(process->pid(), b);
  ASSERT_TRUE(outside.has_value());
  EXPECT_NE(outside->find("runs in " + fs::canonical(a).string()), std::string::npos) << *outside;
  EXPECT_NE(outside->find("not from " + fs::canonical(b).string()), std::string::npos) << *outside;
}

// A child asked about between its fork and its exec is still this program in this folder: the
// answer waits for the exec (a slow one here: 300 ms) instead of calling it outside.
TEST_F(ReleaseMembershipTest, AChildNotYetExecutedIsJudgedOnceItIs) {
  const pid_t child = ::fork();
  if (child == 0) {
    ::usleep(300'000);
    if (::chdir(a.c_str()) == 0) {
      ::execl("/bin/sleep", "sleep", "30", static_cast<char*>(nullptr));
    }
    ::_exit(127);
  }
  EXPECT_EQ(agent::runs_outside_release(child, a), std::nullopt);
  ::kill(child, SIGKILL);
  ::waitpid(child, nullptr, 0);
}

TEST_F(ReleaseMembershipTest, ArgumentsOrEnvironmentNamingTheReleaseCount) {
  auto by_argument = sleeper("/", {}, a + "/config.ini");
  EXPECT_EQ(agent::runs_outside_release(by_argument->pid(), a), std::nullopt);
  EXPECT_TRUE(agent::runs_outside_release(by_argument->pid(), b).has_value());
  auto by_environment = sleeper("/", {"PYTHONPATH=" + a + "/src"});
  EXPECT_EQ(agent::runs_outside_release(by_environment->pid(), a), std::nullopt);
  auto unrelated = sleeper("/");
  EXPECT_TRUE(agent::runs_outside_release(unrelated->pid(), a).has_value());
}

TEST_F(ReleaseMembershipTest, AProcessInADeletedReleaseIsNotOfIt) {
  const std::string gone = dir.path() + "/releases/gone";
  fs::create_directories(gone);
  auto process = sleeper(gone);
  EXPECT_EQ(agent::runs_outside_release(process->pid(), gone), std::nullopt);
  fs::remove_all(gone);
  fs::create_directories(gone);  // a new release at the same path is not where it runs
  EXPECT_TRUE(agent::runs_outside_release(process->pid(), gone).has_value());
}

}  // namespace
}  // namespace bosun::test
