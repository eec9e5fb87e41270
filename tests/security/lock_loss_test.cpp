// Issue 16, item 10 (the lock half): when someone takes a running deploy's lock over, the run
// used to carry on without it. Through the real agent: v1 is live (python3 -m http.server
// serving the release's VERSION); v2's build takes a while, and bob forces the lock meanwhile.
// The deploy stops before its next step saying who took it, does not switch (v1 still serves),
// does not undo or roll back, and leaves the lock to bob, so the next deploy is refused.
#include <filesystem>
#include <fstream>
#include <thread>

#include <gtest/gtest.h>

#include "agent_fixture.hpp"
#include "child_process.hpp"
#include "git_repo.hpp"
#include "http_client.hpp"

namespace bosun::test {
namespace {

namespace fs = std::filesystem;

std::string served_version(unsigned short port) {
  return served_text(port, "/VERSION");
}

TEST(LockLoss, ADeployWhoseLockIsTakenOverStopsAndLeavesTheHostToTheNewHolder) {
  AgentSandbox agent;
  TempDir source;
  GitRepo repo{source.path() + "/app"};
  const unsigned short port = free_port();
  const std::string head =
      "app: taken\nrepo: " + repo.path() +
      "\nverify: {window: 500ms}\nservices:\n  web:\n    command: "
      "[/usr/bin/python3, -m, http.server, '" +
      std::to_string(port) +
      "', --bind, 127.0.0.1]\n    ready: {http: 'http://127.0.0.1:" + std::to_string(port) +
      "/VERSION'}\n";
  repo.write("app.yaml", head);
  repo.write("VERSION", "v1\n");
  const std::string first = repo.commit_all("v1");
  // The build waits for the file the test writes once bob holds the lock (bounded by 60 s).
  const std::string go = source.path() + "/go";
  repo.write("app.yaml", head + "build: [{sh: 'for i in $(seq 600); do test -e " + go +
                             " && exit 0; sleep 0.1; done; exit 1'}]\n");
  repo.write("VERSION", "v2\n");
  const std::string second = repo.commit_all("v2, with a build that takes its time");
  agent.start_agent({"--repo", repo.path()});
  const CliRun one =
      agent.cli({"deploy", "--root", agent.root(), "--commit", first}, std::chrono::seconds(60));
  ASSERT_EQ(one.code, 0) << one.output;
  ASSERT_EQ(served_version(port), "v1");

  CliRun two;
  std::thread deploying([&] {
    two =
        agent.cli({"deploy", "--root", agent.root(), "--commit", second}, std::chrono::seconds(90));
  });
  const fs::path logs = fs::path(agent.root()) / "shared/logs/deploys";
  const bool building = wait_until(
      [&] {
        std::error_code error;
        for (const auto& entry : fs::directory_iterator(logs, error)) {
          if (entry.path().string().ends_with(".build.log") &&
              entry.path().filename().string().find(second.substr(0, 8)) != std::string::npos) {
            return true;
          }
        }
        return false;
      },
      std::chrono::milliseconds(30'000));
  // Not through agent.cli, which the deploy's thread is using.
  const auto [taken_code, taken_output] =
      run_tool({BOSUN_AGENT_BIN, "lock", "acquire", "--root", agent.root(), "--holder", "bob@desk",
                "--message", "hotfix", "--force"},
               source.path());
  std::ofstream(go) << "go\n";
  deploying.join();
  ASSERT_TRUE(building) << "v2's build never started";
  ASSERT_EQ(taken_code, 0) << taken_output;

  EXPECT_NE(two.code, 0) << two.output;
  EXPECT_NE(two.output.find("the deploy lock was taken over: held by bob@desk"), std::string::npos)
      << two.output;
  EXPECT_NE(two.output.find("this run stops here"), std::string::npos) << two.output;
  EXPECT_EQ(served_version(port), "v1") << "a run without its lock must not switch";
  const CliRun lock = agent.cli({"lock", "status", "--root", agent.root(), "--json"});
  EXPECT_NE(lock.output.find("bob@desk"), std::string::npos) << lock.output;
  const CliRun three =
      agent.cli({"deploy", "--root", agent.root(), "--commit", second}, std::chrono::seconds(60));
  EXPECT_NE(three.code, 0);
  EXPECT_NE(three.output.find("held by bob@desk"), std::string::npos) << three.output;
  agent.cli({"lock", "release", "--root", agent.root(), "--holder", "bob@desk"});
  agent.cli({"stop-all", "--root", agent.root()}, std::chrono::seconds(30));
}

}  // namespace
}  // namespace bosun::test
