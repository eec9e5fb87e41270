// Issue 16, item 10 (the fetch half): a git server that accepts and then never answers used to
// hold a deploy, and its lock, for ever (libgit2 cannot cancel a blocked read). The fetch now
// runs in a child process that the agent kills when the transfer has not moved for the stall
// limit: the fetch fails saying so, the child's connection is closed (it is gone), its token
// came on stdin (never in its arguments or environment), and through the real agent the deploy
// fails and gives its lock back.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <mutex>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "agent_fixture.hpp"
#include "bosun/common/text_file.hpp"
#include "bosun/common/unique_fd.hpp"
#include "child_process.hpp"
#include "release/release_store.hpp"

namespace bosun::test {
namespace {

namespace fs = std::filesystem;

// Accepts on 127.0.0.1 and never writes a byte; tells when a client's connection closed.
class SilentServer {
 public:
  SilentServer() : m_listener(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0)) {
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t length = sizeof address;
    if (::bind(m_listener.get(), reinterpret_cast<sockaddr*>(&address), length) != 0 ||
        ::listen(m_listener.get(), 8) != 0 ||
        ::getsockname(m_listener.get(), reinterpret_cast<sockaddr*>(&address), &length) != 0) {
      throw std::runtime_error("cannot listen on loopback");
    }
    m_port = ntohs(address.sin_port);
    m_accepting = std::thread([this] { accept_loop(); });
  }
  ~SilentServer() {
    m_stop = true;
    ::shutdown(m_listener.get(), SHUT_RDWR);
    m_accepting.join();
  }

  unsigned short port() const { return m_port; }
  int accepted() const { return m_accepted; }
  // True once every accepted connection reads end of file: its client is gone.
  bool all_closed() {
    std::lock_guard guard(m_mutex);
    for (const UniqueFd& client : m_clients) {
      char byte = 0;
      const ssize_t got = ::recv(client.get(), &byte, 1, MSG_DONTWAIT | MSG_PEEK);
      if (got != 0) {
        // -1 with EAGAIN: still open. Anything read (the request) is drained first.
        if (got > 0) {
          char drain[4096];
          while (::recv(client.get(), drain, sizeof drain, MSG_DONTWAIT) > 0) {
          }
          if (::recv(client.get(), &byte, 1, MSG_DONTWAIT | MSG_PEEK) == 0) {
            continue;
          }
        }
        return false;
      }
    }
    return !m_clients.empty();
  }

 private:
  void accept_loop() {
    while (!m_stop) {
      const int client = ::accept4(m_listener.get(), nullptr, nullptr, SOCK_CLOEXEC);
      if (client < 0) {
        return;
      }
      std::lock_guard guard(m_mutex);
      m_clients.emplace_back(client);
      ++m_accepted;
    }
  }

  UniqueFd m_listener;
  unsigned short m_port = 0;
  std::atomic<bool> m_stop{false};
  std::atomic<int> m_accepted{0};
  std::mutex m_mutex;
  std::vector<UniqueFd> m_clients;
  std::thread m_accepting;
};

// Every process whose command line runs fetch-mirror: (its cmdline, its environment).
std::vector<std::pair<std::string, std::string>> fetch_children() {
  std::vector<std::pair<std::string, std::string>> found;
  std::error_code error;
  for (const auto& entry : fs::directory_iterator("/proc", error)) {
    const std::string proc = entry.path().string();
    const std::string cmdline = read_text_file(proc + "/cmdline").value_or("");
    if (cmdline.find("fetch-mirror") != std::string::npos) {
      found.emplace_back(cmdline, read_text_file(proc + "/environ").value_or(""));
    }
  }
  return found;
}

TEST(FetchStall, AFetchThatStopsMovingIsKilledAndSaysSo) {
  SilentServer server;
  TempDir dir;
  agent::release::FetchLimits limits{BOSUN_AGENT_BIN, std::chrono::milliseconds(1500)};
  agent::release::ReleaseStore store(dir.path() + "/root", limits);
  const std::string url = "http://127.0.0.1:" + std::to_string(server.port()) + "/app.git";
  const std::string token = "tok-5f1e-never-in-argv";
  std::vector<std::pair<std::string, std::string>> seen;
  std::thread look([&] {
    // While the fetch hangs: what its process shows to anyone who reads /proc.
    wait_until([&] { return server.accepted() > 0; }, std::chrono::milliseconds(10'000));
    seen = fetch_children();
  });
  std::string failure;
  try {
    store.fetch(url, {"", token, "deployer"});
  } catch (const std::runtime_error& error) {
    failure = error.what();
  }
  look.join();
  EXPECT_NE(failure.find("cannot fetch " + url + ": no progress for 1s500ms"), std::string::npos)
      << failure;
  EXPECT_NE(failure.find("the fetch was stopped"), std::string::npos) << failure;
  EXPECT_GT(server.accepted(), 0) << "the child must have connected";
  EXPECT_TRUE(wait_until([&] { return server.all_closed(); }, std::chrono::milliseconds(5000)))
      << "the killed child's connection stays open";
  ASSERT_FALSE(seen.empty()) << "no fetch-mirror process seen while the fetch hung";
  for (const auto& [cmdline, environment] : seen) {
    EXPECT_EQ(cmdline.find(token), std::string::npos) << "the token is in its arguments";
    EXPECT_EQ(environment.find(token), std::string::npos) << "the token is in its environment";
  }
}

TEST(FetchStall, ADeployWhoseFetchStallsFailsAndGivesItsLockBack) {
  SilentServer server;
  AgentSandbox agent;
  const std::string url = "http://127.0.0.1:" + std::to_string(server.port()) + "/app.git";
  agent.write_manifest("app: stalled\nrepo: " + url + "\nservices:\n  idle: {command: {sh: '" +
                       std::string(k_sleeper) + "'}}\n");
  agent.start_agent({"-c", agent.manifest_path(), "--fetch-stall", "1s"});
  const CliRun run = agent.cli({"deploy", "--root", agent.root(), "--ref", "main", "--json"},
                               std::chrono::seconds(60));
  EXPECT_NE(run.code, 0) << run.output;
  EXPECT_NE(run.output.find("no progress for 1s"), std::string::npos) << run.output;
  const CliRun lock = agent.cli({"lock", "status", "--root", agent.root(), "--json"});
  EXPECT_EQ(lock.code, 0) << lock.output;
  EXPECT_NE(lock.output.find("\"locked\":false"), std::string::npos) << lock.output;
  agent.cli({"stop-all", "--root", agent.root()}, std::chrono::seconds(30));
}

TEST(FetchStall, TheAgentRefusesABadStallLimit) {
  AgentSandbox agent;
  agent.write_manifest("app: x\nrepo: /nowhere\nservices:\n  idle: {command: [sleep, '1']}\n");
  const CliRun run = agent.cli(
      {"run", "--root", agent.root(), "-c", agent.manifest_path(), "--fetch-stall", "soon"});
  EXPECT_EQ(run.code, 2) << run.output;
  EXPECT_NE(run.output.find("--fetch-stall soon: expected a duration"), std::string::npos)
      << run.output;
}

}  // namespace
}  // namespace bosun::test
