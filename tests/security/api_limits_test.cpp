// Issue 16, item 8, against the real bosun-agent: clients that connect and dribble cannot
// exhaust it. At most 64 connections are served at once (the next get a 503 at once, the
// agent stays up), and each request head must arrive whole within 5 s, however it trickles.
#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstring>
#include <thread>

#include <gtest/gtest.h>

#include "agent_fixture.hpp"
#include "bosun/common/unique_fd.hpp"
#include "child_process.hpp"
#include "http_client.hpp"

namespace bosun::test {
namespace {

using std::chrono::milliseconds;

UniqueFd connect_unix(const std::string& path) {
  UniqueFd fd(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
  sockaddr_un address{};
  address.sun_family = AF_UNIX;
  std::memcpy(address.sun_path, path.c_str(), path.size() + 1);
  EXPECT_EQ(::connect(fd.get(), reinterpret_cast<const sockaddr*>(&address), sizeof address), 0);
  return fd;
}

// What the agent wrote before closing, waiting at most `timeout`.
std::string reply_within(int fd, milliseconds timeout) {
  std::string reply;
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  char buffer[4096];
  while (std::chrono::steady_clock::now() < deadline) {
    pollfd readable{fd, POLLIN, 0};
    const auto left =
        std::chrono::duration_cast<milliseconds>(deadline - std::chrono::steady_clock::now());
    if (::poll(&readable, 1, static_cast<int>(std::max<long>(1, left.count()))) <= 0) {
      continue;
    }
    const ssize_t n = ::read(fd, buffer, sizeof buffer);
    if (n <= 0) {
      break;
    }
    reply.append(buffer, static_cast<std::size_t>(n));
  }
  return reply;
}

TEST(ApiLimits, IdleClientsAreCappedAndCutAtTheRequestDeadline) {
  AgentSandbox agent;
  agent.start_agent({"--host", "127.0.0.1"});
  std::vector<UniqueFd> idle;
  for (int i = 0; i < 64; ++i) {
    idle.push_back(connect_unix(agent.socket()));
  }
  // The 65th is turned away at once, by a busy agent that stays up.
  bool turned_away = false;
  for (int attempt = 0; attempt < 20 && !turned_away; ++attempt) {
    const UniqueFd extra = connect_unix(agent.socket());
    turned_away = reply_within(extra.get(), milliseconds(2000)).find("503 Service Unavailable") !=
                  std::string::npos;
  }
  EXPECT_TRUE(turned_away) << "a 65th connection was not refused";
  EXPECT_TRUE(agent.agent().running());
  // The idle ones are cut at their deadline, freeing the agent for everyone else.
  const std::string cut = reply_within(idle.front().get(), milliseconds(15'000));
  EXPECT_NE(cut.find("the request was not complete within 5 s"), std::string::npos) << cut;
  idle.clear();
  EXPECT_TRUE(wait_until(
      [&] {
        const CliRun status = agent.cli({"status", "--root", agent.root()});
        return status.code == 0;
      },
      milliseconds(15'000)));
  agent.cli({"stop-all", "--root", agent.root()}, std::chrono::seconds(30));
}

TEST(ApiLimits, ARequestTricklingAByteASecondIsCutAtItsDeadline) {
  AgentSandbox agent;
  agent.start_agent({"--host", "127.0.0.1"});
  const UniqueFd client = connect_unix(agent.socket());
  const std::string head = "GET /v1/status HTTP/1.1\r\nX-Padding: aaaaaaaaaaaa\r\n\r\n";
  const auto started = std::chrono::steady_clock::now();
  std::string reply;
  for (std::size_t i = 0; i < head.size() && reply.empty(); ++i) {
    if (::send(client.get(), &head[i], 1, MSG_NOSIGNAL) != 1) {
      break;  // the agent closed
    }
    reply = reply_within(client.get(), milliseconds(1000));
  }
  const auto took = std::chrono::steady_clock::now() - started;
  EXPECT_NE(reply.find("400"), std::string::npos) << reply;
  EXPECT_NE(reply.find("not complete within 5 s"), std::string::npos) << reply;
  EXPECT_LT(took, std::chrono::seconds(20)) << "cut long after its deadline";
  agent.cli({"stop-all", "--root", agent.root()}, std::chrono::seconds(30));
}

}  // namespace
}  // namespace bosun::test
