// Deploy-step commands as real processes: exit codes, logs, environment, timeouts.

#include <fcntl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#include <gtest/gtest.h>

#include "agent_namespaces.hpp"
#include "child_process.hpp"
#include "deploy/steps/step_command.hpp"
#include "sys/process.hpp"

namespace bosun::agent {
namespace {

using std::chrono::milliseconds;

std::string slurp(const std::string& path) {
  std::ifstream in(path);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

// A held process runs only once let go: if the agent dies before recording it (its end of
// the hold closes), the process exits without having run anything.
// systemd's socket activation: the socket on fd 3 (whatever its number here), LISTEN_FDS,
// LISTEN_FDNAMES, and LISTEN_PID equal to the pid that runs the program (set after the fork,
// also for a held start); stale LISTEN_* of the agent's environment do not reach the child.
TEST(HeldProcess, GetsItsListeningSocketByTheSocketActivationProtocol) {
  test::TempDir dir;
  const int socket = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  ASSERT_GE(socket, 0);
  // Push the socket's number above the target slot, as the agent's would be.
  const int high = ::fcntl(socket, F_DUPFD_CLOEXEC, 40);
  ::close(socket);
  SpawnRequest request{{"/bin/sh", "-c",
                        "echo \"$LISTEN_PID $$ $LISTEN_FDS $LISTEN_FDNAMES\" > " + dir.path() +
                            "/env; readlink /proc/self/fd/3 > " + dir.path() + "/fd3"},
                       {"PATH=/usr/bin:/bin", "LISTEN_FDS=7", "LISTEN_PID=1"},
                       dir.path(),
                       dir.path() + "/log",
                       std::nullopt,
                       "",
                       true};
  request.listen_fds = {high};
  request.listen_names = {"web"};
  SpawnedProcess process = spawn_process(request);
  let_run(process);
  int status = 0;
  ASSERT_EQ(::waitpid(process.pid, &status, 0), process.pid);
  std::ifstream env(dir.path() + "/env");
  std::string listen_pid, shell_pid, fds, names;
  env >> listen_pid >> shell_pid >> fds >> names;
  EXPECT_EQ(listen_pid, std::to_string(process.pid));
  EXPECT_EQ(shell_pid, std::to_string(process.pid));
  EXPECT_EQ(fds, "1");
  EXPECT_EQ(names, "web");
  struct stat ours {};
  ASSERT_EQ(::fstat(high, &ours), 0);
  std::ifstream fd3(dir.path() + "/fd3");
  std::string link;
  fd3 >> link;
  EXPECT_EQ(link, "socket:[" + std::to_string(ours.st_ino) + "]");
  ::close(high);
}

TEST(HeldProcess, RunsOnlyOnceLetGoAndNotAtAllWhenTheAgentIsGone) {
  test::TempDir dir;
  const auto held = [&](const std::string& name) {
    return spawn_process({{"/bin/sh", "-c", "touch " + dir.path() + "/" + name},
                          {"PATH=/usr/bin:/bin"},
                          dir.path(),
                          dir.path() + "/log",
                          std::nullopt,
                          "",
                          true});
  };
  SpawnedProcess let_go = held("ran");
  SpawnedProcess abandoned = held("must-not-run");
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  EXPECT_FALSE(std::filesystem::exists(dir.path() + "/ran")) << "waits to be let go";
  let_run(let_go);
  ::close(abandoned.hold_fd);  // what the agent's death does
  int status = 0;
  ASSERT_EQ(::waitpid(let_go.pid, &status, 0), let_go.pid);
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
  ASSERT_EQ(::waitpid(abandoned.pid, &status, 0), abandoned.pid);
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 125);
  EXPECT_TRUE(std::filesystem::exists(dir.path() + "/ran"));
  EXPECT_FALSE(std::filesystem::exists(dir.path() + "/must-not-run"));
  ::close(let_go.pidfd);
  ::close(abandoned.pidfd);
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
