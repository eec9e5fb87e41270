// Issue 16, item 1, through the real bosun-agent: its sockets are 0600 unless --api-group
// widens them to a group; a client of another uid (nobody, 65534) cannot connect without it;
// with it, that client deploys and reads status within the allow-list, but cannot choose a
// repository, a path or another root, nor stop everything. Needs root to run the client as
// another uid; skipped otherwise.
#include <grp.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstring>
#include <filesystem>

#include <gtest/gtest.h>

#include "agent_fixture.hpp"
#include "child_process.hpp"

namespace bosun::test {
namespace {

constexpr uid_t k_nobody = 65534;
constexpr gid_t k_nogroup = 65534;

struct Exchange {
  int connect_errno = 0;  // 0: connected
  std::string reply;
};

// Sends `request` on the Unix socket `path` from a child running as uid nobody (in group
// nogroup when `in_group`), and returns what came back until the agent closed.
Exchange as_nobody(const std::string& path, const std::string& request, bool in_group) {
  int pipe_fds[2];
  EXPECT_EQ(::pipe(pipe_fds), 0);
  sockaddr_un address{};
  address.sun_family = AF_UNIX;
  std::memcpy(address.sun_path, path.c_str(), path.size() + 1);
  const gid_t groups[] = {k_nogroup};
  const pid_t pid = ::fork();
  if (pid == 0) {  // only system calls from here on: the parent may have threads
    ::close(pipe_fds[0]);
    const gid_t gid = in_group ? k_nogroup : static_cast<gid_t>(k_nobody - 1);
    if (::setgroups(in_group ? 1 : 0, groups) != 0 || ::setgid(gid) != 0 ||
        ::setuid(k_nobody) != 0) {
      ::_exit(3);
    }
    const int fd = ::socket(AF_UNIX, SOCK_STREAM, 0);
    int failure = 0;
    if (::connect(fd, reinterpret_cast<const sockaddr*>(&address), sizeof address) != 0) {
      failure = errno;
    }
    (void)!::write(pipe_fds[1], &failure, sizeof failure);
    if (failure == 0) {
      (void)!::write(fd, request.data(), request.size());
      ::shutdown(fd, SHUT_WR);
      char buffer[4096];
      for (ssize_t n; (n = ::read(fd, buffer, sizeof buffer)) > 0;) {
        (void)!::write(pipe_fds[1], buffer, static_cast<std::size_t>(n));
      }
    }
    ::_exit(0);
  }
  ::close(pipe_fds[1]);
  Exchange exchange;
  EXPECT_EQ(::read(pipe_fds[0], &exchange.connect_errno, sizeof exchange.connect_errno),
            static_cast<ssize_t>(sizeof exchange.connect_errno));
  char buffer[4096];
  for (ssize_t n; (n = ::read(pipe_fds[0], buffer, sizeof buffer)) > 0;) {
    exchange.reply.append(buffer, static_cast<std::size_t>(n));
  }
  ::close(pipe_fds[0]);
  int status = 0;
  ::waitpid(pid, &status, 0);
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << "the client could not start";
  return exchange;
}

std::string session_line(const std::vector<std::string>& args) {
  std::string line = "[";
  for (const std::string& arg : args) {
    line += (line.size() > 1 ? ",\"" : "\"") + arg + "\"";
  }
  return line + "]\n";
}

unsigned mode_of(const std::string& path) {
  struct stat info {};
  EXPECT_EQ(::stat(path.c_str(), &info), 0) << path;
  return info.st_mode & 0777U;
}

class AgentAccess : public ::testing::Test {
 protected:
  void SetUp() override {
    if (::geteuid() != 0) {
      GTEST_SKIP() << "needs root to run a client as another uid (nobody)";
    }
    std::filesystem::permissions(agent.root(), std::filesystem::perms(0755));  // traversable
  }
  AgentSandbox agent;
};

TEST_F(AgentAccess, TheSocketsAreTheAgentsOwnAndAnotherUidCannotConnect) {
  agent.start_agent({"--host", "127.0.0.1"});
  EXPECT_EQ(mode_of(agent.socket()), 0600U);
  EXPECT_EQ(mode_of(agent.root() + "/session.sock"), 0600U);
  EXPECT_EQ(as_nobody(agent.socket(), "GET /v1/status HTTP/1.1\r\n\r\n", true).connect_errno,
            EACCES);
  EXPECT_EQ(as_nobody(agent.root() + "/session.sock", session_line({"status"}), true).connect_errno,
            EACCES);
  agent.cli({"stop-all", "--root", agent.root()}, std::chrono::seconds(30));
}

TEST_F(AgentAccess, TheApiGroupDrivesTheAgentWithinTheAllowList) {
  agent.start_agent({"--api-group", "nogroup"});
  struct stat info {};
  ASSERT_EQ(::stat(agent.socket().c_str(), &info), 0);
  EXPECT_EQ(info.st_mode & 0777U, 0660U);
  EXPECT_EQ(info.st_gid, k_nogroup);
  const std::string session = agent.root() + "/session.sock";
  EXPECT_EQ(as_nobody(session, session_line({"status"}), false).connect_errno, EACCES)
      << "nobody outside the group";

  const Exchange status =
      as_nobody(session, session_line({"status", "--root", agent.root(), "--json"}), true);
  EXPECT_EQ(status.connect_errno, 0);
  EXPECT_NE(status.reply.find("\"services\""), std::string::npos) << status.reply;
  EXPECT_NE(status.reply.find("\"exit\":0"), std::string::npos) << status.reply;

  const std::string evil = agent.root() + "/../evil";
  for (const std::vector<std::string>& refused :
       {std::vector<std::string>{"deploy", "--root", agent.root(), "--commit", "HEAD", "--repo",
                                 evil},
        {"gap", "-c", "/etc/shadow", "--root", agent.root()},
        {"lock", "acquire", "--root", "/tmp/elsewhere", "--holder", "x"},
        {"releases", "--root", agent.root(), "-o", "/etc/cron.d/evil"}}) {
    const Exchange reply = as_nobody(session, session_line(refused), true);
    EXPECT_NE(reply.reply.find("bosun-agent session: refused: "), std::string::npos)
        << refused[0] << ": " << reply.reply;
    EXPECT_NE(reply.reply.find("\"exit\":2"), std::string::npos) << reply.reply;
  }
  EXPECT_FALSE(std::filesystem::exists("/etc/cron.d/evil"));
  EXPECT_FALSE(std::filesystem::exists("/tmp/elsewhere"));

  const Exchange api = as_nobody(agent.socket(), "GET /v1/status HTTP/1.1\r\n\r\n", true);
  EXPECT_NE(api.reply.find("200 OK"), std::string::npos) << api.reply;
  const Exchange stop = as_nobody(agent.socket(), "POST /v1/stop-all HTTP/1.1\r\n\r\n", true);
  EXPECT_NE(stop.reply.find("403"), std::string::npos) << stop.reply;
  EXPECT_TRUE(agent.agent().running()) << "a member of the group stopped the agent";
  agent.cli({"stop-all", "--root", agent.root()}, std::chrono::seconds(30));
}

TEST_F(AgentAccess, AnUnknownApiGroupIsABadFlagNotAWideSocket) {
  const CliRun run = agent.cli({"run", "--root", agent.root(), "--api-group", "no-such-group-x"},
                               std::chrono::seconds(20));
  EXPECT_EQ(run.code, 2) << run.output;
  EXPECT_NE(run.output.find("--api-group no-such-group-x: no such group on this host"),
            std::string::npos)
      << run.output;
}

}  // namespace
}  // namespace bosun::test
