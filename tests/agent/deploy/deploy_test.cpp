// Deploys and rollbacks end to end through a real agent: a git repository made here, the
// fixture app (the platform's built binaries, real Redis, real SQLite), the deploy and
// rollback client commands and their JSON-lines events.

#include <sys/wait.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <thread>

#include <gtest/gtest.h>

#include "deploy_sandbox.hpp"
#include "http_client.hpp"

namespace bosun::test {
namespace {

namespace fs = std::filesystem;
using std::chrono::seconds;

std::string joined(const std::vector<std::string>& items) {
  std::string text;
  for (const std::string& item : items) {
    text += item + " ";
  }
  return text;
}

bool contains(const std::vector<std::string>& items, const std::string& wanted) {
  return std::find(items.begin(), items.end(), wanted) != items.end();
}

std::string current_release(const std::string& root) {
  return fs::read_symlink(root + "/current").filename().string();
}

class DeployTest : public ::testing::Test {
 protected:
  void SetUp() override { sandbox.start_agent(); }

  // Deploys `commit` and expects it to succeed.
  void deploy_ok(const std::string& commit) {
    const CliRun run = sandbox.deploy(commit);
    ASSERT_EQ(run.code, 0) << run.output;
    ASSERT_EQ(run_result(run.output), "succeeded") << run.output;
    ASSERT_EQ(sandbox.serving_revision(), commit);
  }

  DeploySandbox sandbox;
};

TEST_F(DeployTest, FirstDeployRunsEveryStepAndServesTheCommit) {
  const std::string v1 = sandbox.commit_version("1");
  const CliRun run = sandbox.deploy(v1);
  ASSERT_EQ(run.code, 0) << run.output;
  const auto steps = step_outcomes(run.output);
  for (const char* step :
       {"lock:ok", "fetch:ok", "checkout:ok", "build:ok", "preflight:ok", "backup:skipped",
        "migrate:ok", "switch:ok", "restart:ok", "verify:ok", "announce:ok", "prune:ok"}) {
    EXPECT_TRUE(contains(steps, step)) << step << " in " << joined(steps);
  }
  EXPECT_EQ(sandbox.serving_revision(), v1);
  EXPECT_EQ(sandbox.agent().state_of("server"), "ready");
  EXPECT_EQ(sandbox.agent().state_of("redis"), "ready");
  // The release records what it runs at, and history has the run with its steps.
  const CliRun releases = sandbox.agent().cli({"releases", "--root", sandbox.root(), "--json"});
  EXPECT_NE(releases.output.find("\"state\":\"good\""), std::string::npos) << releases.output;
  EXPECT_NE(releases.output.find("\"schema_version\":\"4\""), std::string::npos) << releases.output;
  const CliRun history = sandbox.agent().cli({"history", "--root", sandbox.root()});
  EXPECT_NE(history.output.find("deploy " + v1.substr(0, 12) + " by tester: succeeded"),
            std::string::npos)
      << history.output;
  EXPECT_NE(history.output.find("migrate"), std::string::npos);
  // The lock was given back.
  const CliRun lock = sandbox.agent().cli({"lock", "status", "--root", sandbox.root()});
  EXPECT_EQ(lock.output, "unlocked\n");
}

TEST_F(DeployTest, SecondDeployReplacesOnlyTheServerWithoutDroppingRequests) {
  deploy_ok(sandbox.commit_version("1"));
  const int redis_pid = sandbox.agent().pid_of("redis");
  const int server_pid = sandbox.agent().pid_of("server");
  const std::string v2 = sandbox.commit_version("2");
  std::atomic<bool> stop{false};
  std::atomic<int> failures{0};
  std::atomic<int> requests{0};
  std::thread client([&] {
    while (!stop) {
      try {
        if (http(sandbox.http_port(), "GET", "/health").status != 200) {
          ++failures;
        }
      } catch (const std::exception&) {
        ++failures;
      }
      ++requests;
    }
  });
  const CliRun run = sandbox.deploy(v2);
  stop = true;
  client.join();
  ASSERT_EQ(run.code, 0) << run.output;
  EXPECT_EQ(sandbox.serving_revision(), v2);
  EXPECT_EQ(sandbox.agent().pid_of("redis"), redis_pid) << "redis did not change: kept running";
  EXPECT_NE(sandbox.agent().pid_of("server"), server_pid);
  EXPECT_GT(requests.load(), 20);
  EXPECT_EQ(failures.load(), 0) << "of " << requests.load() << " requests during the deploy";
  EXPECT_NE(run.output.find("server (overlap): release content changed"), std::string::npos)
      << run.output;
}

TEST_F(DeployTest, BuildFailureLeavesTheLiveReleaseUntouched) {
  const std::string v1 = sandbox.commit_version("1");
  deploy_ok(v1);
  const std::string live = current_release(sandbox.root());
  const int server_pid = sandbox.agent().pid_of("server");
  FixtureOptions broken;
  broken.build_extra = " && echo compiler says no >&2 && exit 3";
  const CliRun run = sandbox.deploy(sandbox.commit_version("2-broken", broken));
  EXPECT_EQ(run.code, 1) << run.output;
  EXPECT_EQ(run_result(run.output), "failed");
  EXPECT_TRUE(contains(step_outcomes(run.output), "build:failed"));
  EXPECT_FALSE(contains(step_outcomes(run.output), "switch:ok"));
  EXPECT_NE(run.output.find("exited with code 3"), std::string::npos) << run.output;
  EXPECT_NE(run.output.find("compiler says no"), std::string::npos) << "the build log is shown";
  EXPECT_EQ(current_release(sandbox.root()), live);
  EXPECT_EQ(sandbox.agent().pid_of("server"), server_pid);
  EXPECT_EQ(sandbox.serving_revision(), v1);
  EXPECT_EQ(
      std::distance(fs::directory_iterator(sandbox.root() + "/releases"), fs::directory_iterator()),
      1)
      << "the failed release was discarded";
}

TEST_F(DeployTest, PreflightStopsAtABlockingGapButNotAtThePortTheAppHolds) {
  FixtureOptions own_port;
  own_port.requires_yaml =
      "requires:\n  ports_free: [" + std::to_string(sandbox.http_port()) + "]\n";
  deploy_ok(sandbox.commit_version("1", own_port));
  deploy_ok(sandbox.commit_version("2", own_port));  // its own server holds the port
  FixtureOptions missing_tool = own_port;
  missing_tool.requires_yaml += "  tools: {no-such-tool-here: \">=1.0\"}\n";
  const CliRun run = sandbox.deploy(sandbox.commit_version("3", missing_tool));
  EXPECT_EQ(run.code, 1) << run.output;
  EXPECT_TRUE(contains(step_outcomes(run.output), "preflight:failed"));
  EXPECT_NE(run.output.find("blocking gap: tool no-such-tool-here"), std::string::npos)
      << run.output;
  EXPECT_FALSE(contains(step_outcomes(run.output), "migrate:ok"));
}

TEST_F(DeployTest, ABadReleaseIsRolledBackAutomaticallyWithTheEvidence) {
  const std::string v1 = sandbox.commit_version("1");
  deploy_ok(v1);
  const std::string good = current_release(sandbox.root());
  FixtureOptions bad;
  bad.bad_ready = true;  // /health passes, /ready fails: Redis unreachable
  const std::string v2 = sandbox.commit_version("2-bad", bad);
  const CliRun run = sandbox.deploy(v2);
  EXPECT_EQ(run.code, 1) << run.output;
  EXPECT_EQ(run_result(run.output), "rolled-back") << run.output;
  const auto steps = step_outcomes(run.output);
  EXPECT_TRUE(contains(steps, "restart:failed")) << joined(steps);
  EXPECT_TRUE(contains(steps, "rollback-switch:ok")) << joined(steps);
  EXPECT_TRUE(contains(steps, "rollback-verify:ok")) << joined(steps);
  // The failure names the service and shows its probe's output and log lines.
  EXPECT_NE(run.output.find("server did not come up: unhealthy"), std::string::npos) << run.output;
  EXPECT_NE(run.output.find("server probe: fail"), std::string::npos) << run.output;
  // The old instance, still serving on the shared port, answered most probes: the evidence is
  // the new instance's own failing answer (503, Redis unreachable), never the old one's 200.
  EXPECT_NE(run.output.find("server probe: fail: HTTP 503"), std::string::npos) << run.output;
  EXPECT_EQ(current_release(sandbox.root()), good);
  EXPECT_EQ(sandbox.serving_revision(), v1);
  const CliRun releases = sandbox.agent().cli({"releases", "--root", sandbox.root()});
  EXPECT_NE(releases.output.find("failed"), std::string::npos) << releases.output;
}

TEST_F(DeployTest, ACrashAfterStartIsCaughtByTheStabilityWindow) {
  const std::string v1 = sandbox.commit_version("1");
  deploy_ok(v1);
  FixtureOptions crashing;
  // Ready at once, then dies two seconds later (every time it is started).
  crashing.server_shell =
      "(sleep 2; kill -KILL $$$$) & exec bin/platform-server";  // $$ is a literal $
  crashing.verify_window = "4s";
  const CliRun run = sandbox.deploy(sandbox.commit_version("2-crashing", crashing));
  EXPECT_EQ(run.code, 1) << run.output;
  EXPECT_EQ(run_result(run.output), "rolled-back") << run.output;
  EXPECT_TRUE(contains(step_outcomes(run.output), "verify:failed")) << run.output;
  EXPECT_NE(run.output.find("stability window"), std::string::npos) << run.output;
  EXPECT_EQ(sandbox.serving_revision(), v1);
}

TEST_F(DeployTest, ASecondDeployIsLockedOutNamingTheHolder) {
  const std::string v1 = sandbox.commit_version("1");
  const CliRun taken = sandbox.agent().cli(
      {"lock", "acquire", "--root", sandbox.root(), "--holder", "ci-run-812", "-m", "deploy v9"});
  ASSERT_EQ(taken.code, 0) << taken.output;
  const CliRun refused = sandbox.deploy(v1, {"--lock-wait", "500ms"});
  EXPECT_EQ(refused.code, 1) << refused.output;
  EXPECT_EQ(run_result(refused.output), "locked");
  EXPECT_NE(refused.output.find("ci-run-812"), std::string::npos) << refused.output;
  EXPECT_NE(refused.output.find("deploy v9"), std::string::npos) << refused.output;
  EXPECT_FALSE(fs::exists(sandbox.root() + "/current"));
  ASSERT_EQ(sandbox.agent()
                .cli({"lock", "release", "--root", sandbox.root(), "--holder", "ci-run-812"})
                .code,
            0);
  deploy_ok(v1);
}

TEST_F(DeployTest, OneRunAtATimeInTheDaemon) {
  deploy_ok(sandbox.commit_version("1"));
  FixtureOptions slow;
  slow.build_extra = " && sleep 3";
  const std::string v2 = sandbox.commit_version("2", slow);
  ChildProcess first({{BOSUN_AGENT_BIN, "deploy", "--root", sandbox.root(), "--commit", v2, "--who",
                       "first", "--json"},
                      {},
                      sandbox.root(),
                      sandbox.root() + "/first.out"});
  ASSERT_TRUE(wait_until([&] { return first.output().find("\"build\"") != std::string::npos; },
                         seconds(20)))
      << first.output();
  const CliRun second = sandbox.deploy(v2);
  EXPECT_EQ(second.code, 2) << second.output;
  EXPECT_NE(second.output.find("in progress"), std::string::npos) << second.output;
  const auto status = first.wait(seconds(60));
  ASSERT_TRUE(status.has_value());
  EXPECT_EQ(WEXITSTATUS(*status), 0) << first.output();
}

TEST_F(DeployTest, ManualRollbackGoesToTheLastGoodReleaseWithoutArguments) {
  const std::string v1 = sandbox.commit_version("1");
  deploy_ok(v1);
  const std::string first = current_release(sandbox.root());
  const std::string v2 = sandbox.commit_version("2");
  deploy_ok(v2);
  const CliRun run = sandbox.rollback();
  ASSERT_EQ(run.code, 0) << run.output;
  EXPECT_EQ(run_result(run.output), "succeeded");
  EXPECT_EQ(current_release(sandbox.root()), first);
  EXPECT_EQ(sandbox.serving_revision(), v1);
  // And back to v2 by naming its commit.
  const CliRun forward = sandbox.rollback({"--to", v2.substr(0, 8)});
  ASSERT_EQ(forward.code, 0) << forward.output;
  EXPECT_EQ(sandbox.serving_revision(), v2);
  const CliRun unknown = sandbox.rollback({"--to", "no-such-release"});
  EXPECT_EQ(unknown.code, 2);
  EXPECT_NE(unknown.output.find("no release matches"), std::string::npos) << unknown.output;
}

TEST_F(DeployTest, PlaybookHooksRunWithTheReleaseEnvironment) {
  const std::string marker = sandbox.root() + "/hook.out";
  const std::string playbook = sandbox.root() + "/deploy.yaml";
  std::ofstream(playbook) << "name: deploy\n"
                             "steps:\n"
                             "  - lock\n  - fetch\n  - checkout\n  - build\n"
                             "  - run: {sh: 'echo \"pre $BOSUN_RELEASE $BOSUN_COMMIT\" >> "
                          << marker
                          << "'}\n"
                             "    name: pre-switch\n"
                             "  - migrate\n  - switch\n  - restart\n  - verify\n"
                             "  - run: [sh, -c, 'echo \"post $BOSUN_WHO\" >> "
                          << marker
                          << "; exit 4']\n"
                             "    name: notify\n"
                             "    on_failure: continue\n";
  const std::string v1 = sandbox.commit_version("1");
  const CliRun run = sandbox.deploy(v1, {"--playbook", playbook});
  ASSERT_EQ(run.code, 0) << run.output;
  EXPECT_TRUE(contains(step_outcomes(run.output), "notify:failed")) << run.output;
  std::ifstream in(marker);
  std::string pre;
  std::string post;
  std::getline(in, pre);
  std::getline(in, post);
  EXPECT_EQ(pre, "pre " + current_release(sandbox.root()) + " " + v1);
  EXPECT_EQ(post, "post tester");
}

}  // namespace
}  // namespace bosun::test
