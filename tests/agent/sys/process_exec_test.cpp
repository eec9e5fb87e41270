// A started process is its command by the time the agent goes on: spawn_process (not held) and
// let_run (held) return only after the child's exec, so that readiness and "runs the deployed
// release" judge the command, never the agent's own forked copy. Real processes, real /proc.
#include <signal.h>
#include <unistd.h>

#include <filesystem>
#include <string>

#include <gtest/gtest.h>

#include "sys/process.hpp"

namespace bosun::agent::sys {
namespace {

namespace fs = std::filesystem;

std::string program_of(pid_t pid) {
  std::error_code error;
  return fs::read_symlink("/proc/" + std::to_string(pid) + "/exe", error).string();
}

class ProcessExec : public ::testing::Test {
 protected:
  void SetUp() override {
    m_dir = fs::temp_directory_path() / ("bosun-exec-" + std::to_string(::getpid()));
    fs::create_directories(m_dir);
    m_sleep = fs::canonical("/bin/sleep").string();
  }
  void TearDown() override { fs::remove_all(m_dir); }

  SpawnRequest sleeper(bool held) const {
    SpawnRequest request;
    request.argv = {"sleep", "30"};
    request.env = {"PATH=/usr/bin:/bin"};
    request.cwd = m_dir.string();
    request.log_path = (m_dir / "sleep.log").string();
    request.held = held;
    return request;
  }

  static void stop(SpawnedProcess& process) {
    signal_group(process.pid, SIGKILL);
    collect_exit(process.pidfd, true);
  }

  fs::path m_dir;
  std::string m_sleep;
};

// Many starts in a row: without the wait, the first look at /proc finds the test binary itself
// in most of them (the child has not been scheduled yet when the parent looks).
TEST_F(ProcessExec, AHeldProcessHasExecutedWhenLetRunReturns) {
  for (int start = 0; start < 20; ++start) {
    SpawnedProcess process = spawn_process(sleeper(true));
    let_run(process);
    EXPECT_EQ(program_of(process.pid), m_sleep) << "start " << start;
    EXPECT_EQ(process.exec_fd, -1);
    stop(process);
  }
}

TEST_F(ProcessExec, AProcessNotHeldHasExecutedWhenSpawnReturns) {
  for (int start = 0; start < 20; ++start) {
    SpawnedProcess process = spawn_process(sleeper(false));
    EXPECT_EQ(program_of(process.pid), m_sleep) << "start " << start;
    stop(process);
  }
}

// The report pipe is close-on-exec: the command does not inherit it (nor the hold pipe).
TEST_F(ProcessExec, TheCommandInheritsNoDescriptorOfTheAgents) {
  SpawnedProcess process = spawn_process(sleeper(true));
  let_run(process);
  std::size_t count = 0;
  for (const auto& entry : fs::directory_iterator("/proc/" + std::to_string(process.pid) + "/fd")) {
    (void)entry;
    ++count;
  }
  EXPECT_EQ(count, 3U) << "only stdin, stdout and stderr";
  stop(process);
}

}  // namespace
}  // namespace bosun::agent::sys
