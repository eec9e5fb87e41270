// Crash safety: the agent is SIGKILLed at every step boundary of a deploy and in the middle
// of migrate and restart; the next agent must finish or undo the deploy so that exactly one
// verified release serves requests and no row is lost.

#include <sys/wait.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#include <Poco/JSON/Array.h>
#include <Poco/JSON/Parser.h>
#include <gtest/gtest.h>

#include "deploy_sandbox.hpp"

namespace bosun::test {
namespace {

namespace fs = std::filesystem;
using std::chrono::milliseconds;
using std::chrono::seconds;

struct KillPoint {
  std::string name;     // for the test's name
  std::string trigger;  // an event line fragment; "marker" for the middle of migrate
  milliseconds delay{0};
  std::vector<std::string> expected;  // results the run may have after recovery
};

std::string read_file(const std::string& path) {
  std::ifstream in(path);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

void PrintTo(const KillPoint& point, std::ostream* out) {
  *out << point.name;
}

class CrashRecoveryTest : public ::testing::TestWithParam<KillPoint> {};

// The first event line of `output` that is a step-finished (or, with "started:", a
// step-started) event of `step`.
bool has_event(const std::string& output, const std::string& trigger) {
  const bool started = trigger.starts_with("started:");
  const std::string step = started ? trigger.substr(8) : trigger;
  for (const auto& event : parse_events(output)) {
    if (event->optValue<std::string>("step", "") == step &&
        event->optValue<std::string>("type", "") == (started ? "step-started" : "step-finished")) {
      return true;
    }
  }
  return false;
}

Poco::JSON::Object::Ptr newest_run(AgentSandbox& agent) {
  const CliRun history = agent.cli({"history", "--root", agent.root(), "--json", "-n", "1"});
  Poco::JSON::Parser parser;
  const auto runs =
      parser.parse(history.output).extract<Poco::JSON::Object::Ptr>()->getArray("runs");
  return runs->getObject(0);
}

TEST_P(CrashRecoveryTest, EndsWithOneVerifiedReleaseAndEveryRow) {
  const KillPoint& point = GetParam();
  DeploySandbox sandbox;
  sandbox.start_agent();
  const std::string v1 = sandbox.commit_version("1");
  ASSERT_EQ(sandbox.deploy(v1).code, 0);
  sandbox.add_users(6, "before-crash-");
  const std::string rows = sandbox.users_fingerprint();
  ASSERT_EQ(rows.substr(0, 2), "6:");
  // v2 takes the schema down and up again around a pause: a kill in the middle leaves it
  // half way (at version 3).
  const std::string marker = sandbox.root() + "/migrating";
  FixtureOptions v2_options;
  v2_options.migrate_shell = "bin/platform-migrate down --to 3 && touch " + marker +
                             " && sleep 1 && bin/platform-migrate up";
  const std::string v2 = sandbox.commit_version("2", v2_options);

  ChildProcess client({{BOSUN_AGENT_BIN, "deploy", "--root", sandbox.root(), "--commit", v2,
                        "--who", "crash-test", "--json"},
                       {},
                       sandbox.root(),
                       sandbox.root() + "/client.out"});
  const bool triggered = wait_until(
      [&] {
        return point.trigger == "marker" ? fs::exists(marker)
                                         : has_event(client.output(), point.trigger);
      },
      seconds(60));
  ASSERT_TRUE(triggered) << client.output();
  std::this_thread::sleep_for(point.delay);
  sandbox.agent().kill_agent();
  client.wait(seconds(20));

  sandbox.start_agent();  // recovers
  ASSERT_TRUE(wait_until(
      [&] { return newest_run(sandbox.agent())->getValue<std::string>("result") != "interrupted"; },
      seconds(90)))
      << client.output();
  const auto run = newest_run(sandbox.agent());
  const std::string result = run->getValue<std::string>("result");
  // A kill lands a little after the event that triggered it: the next step may have begun.
  EXPECT_NE(std::find(point.expected.begin(), point.expected.end(), result), point.expected.end())
      << result << ": " << run->getValue<std::string>("reason") << "\nserver log:\n"
      << read_file(sandbox.root() + "/shared/logs/server.log") << "\nagent:\n"
      << read_file(sandbox.root() + "/agent-1.out");
  std::ostringstream history;
  run->stringify(history);

  // Exactly one live release, verified good, serving its own commit, with every row.
  const std::string current = fs::read_symlink(sandbox.root() + "/current").filename().string();
  const CliRun releases = sandbox.agent().cli({"releases", "--root", sandbox.root(), "--json"});
  Poco::JSON::Parser parser;
  const auto list =
      parser.parse(releases.output).extract<Poco::JSON::Object::Ptr>()->getArray("releases");
  std::string current_commit;
  for (std::size_t i = 0; i < list->size(); ++i) {
    const auto release = list->getObject(static_cast<unsigned>(i));
    if (release->getValue<bool>("current")) {
      EXPECT_EQ(release->getValue<std::string>("id"), current);
      EXPECT_EQ(release->getValue<std::string>("state"), "good") << releases.output;
      current_commit = release->getValue<std::string>("commit");
    }
  }
  EXPECT_EQ(current_commit, result == "succeeded" ? v2 : v1) << releases.output << history.str();
  ASSERT_TRUE(wait_until([&] { return sandbox.serving_revision() == current_commit; }, seconds(20)))
      << "serving " << sandbox.serving_revision() << " (v1 " << v1 << ", v2 " << v2
      << ")\nagent events:\n"
      << sandbox.agent().cli({"events", "--root", sandbox.root()}).output << "\nstatus:\n"
      << sandbox.agent().cli({"status", "--root", sandbox.root(), "--json"}).output
      << "\nserver log:\n"
      << read_file(sandbox.root() + "/shared/logs/server.log");
  EXPECT_EQ(sandbox.agent().state_of("server"), "ready");
  EXPECT_EQ(sandbox.agent().service("server")->getValue<int>("leaving"), 0);
  EXPECT_EQ(sandbox.users_fingerprint(), rows);
  const CliRun lock = sandbox.agent().cli({"lock", "status", "--root", sandbox.root()});
  EXPECT_EQ(lock.output, "unlocked\n");
  // And the host takes the next deploy.
  const CliRun again = sandbox.deploy(v2);
  EXPECT_EQ(again.code, 0) << again.output;
  EXPECT_EQ(sandbox.users_fingerprint(), rows);
}

INSTANTIATE_TEST_SUITE_P(
    EveryStep, CrashRecoveryTest,
    ::testing::Values(KillPoint{"AfterLock", "lock", milliseconds(0), {"failed"}},
                      KillPoint{"AfterFetch", "fetch", milliseconds(0), {"failed"}},
                      KillPoint{"AfterCheckout", "checkout", milliseconds(0), {"failed"}},
                      KillPoint{"AfterBuild", "build", milliseconds(0), {"failed"}},
                      KillPoint{"AfterPreflight", "preflight", milliseconds(0), {"failed"}},
                      KillPoint{"AfterBackup", "backup", milliseconds(0), {"failed"}},
                      KillPoint{"InMigrate", "marker", milliseconds(100), {"failed"}},
                      KillPoint{
                          "AfterMigrate", "migrate", milliseconds(0), {"failed", "rolled-back"}},
                      KillPoint{"AfterSwitch", "switch", milliseconds(0), {"rolled-back"}},
                      KillPoint{"InRestart", "started:restart", milliseconds(150), {"rolled-back"}},
                      KillPoint{"AfterRestart", "restart", milliseconds(0), {"rolled-back"}},
                      KillPoint{"AfterVerify", "verify", milliseconds(0), {"succeeded"}}),
    [](const ::testing::TestParamInfo<KillPoint>& point) { return point.param.name; });

}  // namespace
}  // namespace bosun::test
