// The deploy journal on a real state.db: runs, steps, history and interrupted runs.

#include <sstream>

#include <gtest/gtest.h>

#include "agent_namespaces.hpp"
#include "bosun/agent/agent_cli.hpp"
#include "child_process.hpp"
#include "state/deploy_journal.hpp"

namespace bosun::agent {
namespace {

TEST(DeployJournal, RecordsRunsAndStepsInOrder) {
  test::TempDir dir;
  DeployJournal journal(dir.path() + "/state.db");
  const auto run = journal.begin("deploy", "alice@laptop", "abc123");
  journal.step_started(run, "fetch");
  journal.step_finished(run, "fetch", "ok", "");
  journal.set_release(run, "20261122T150000Z-abc123ab");
  journal.step_started(run, "build");
  journal.step_finished(run, "build", "failed", "make: *** [all] Error 2");
  journal.finish(run, "failed", "build failed");
  const auto history = journal.history(10);
  ASSERT_EQ(history.size(), 1U);
  const RunRecord& record = history[0];
  EXPECT_EQ(record.kind, "deploy");
  EXPECT_EQ(record.who, "alice@laptop");
  EXPECT_EQ(record.commit, "abc123");
  EXPECT_EQ(record.release, "20261122T150000Z-abc123ab");
  EXPECT_EQ(record.result, "failed");
  EXPECT_EQ(record.reason, "build failed");
  ASSERT_TRUE(record.finished_unix_ms.has_value());
  ASSERT_EQ(record.steps.size(), 2U);
  EXPECT_EQ(record.steps[0].name, "fetch");
  EXPECT_EQ(record.steps[0].outcome, "ok");
  EXPECT_EQ(record.steps[1].outcome, "failed");
  EXPECT_EQ(record.steps[1].detail, "make: *** [all] Error 2");
  EXPECT_TRUE(journal.interrupted().empty());
}

TEST(DeployJournal, FindsInterruptedRunsAcrossReopening) {
  test::TempDir dir;
  std::int64_t unfinished = 0;
  {
    DeployJournal journal(dir.path() + "/state.db");
    const auto done = journal.begin("deploy", "ci", "v1");
    journal.finish(done, "succeeded", "");
    unfinished = journal.begin("deploy", "ci", "v2");
    journal.step_started(unfinished, "migrate");  // and then the agent died
  }
  DeployJournal reopened(dir.path() + "/state.db");
  const auto interrupted = reopened.interrupted();
  ASSERT_EQ(interrupted.size(), 1U);
  EXPECT_EQ(interrupted[0].id, unfinished);
  ASSERT_EQ(interrupted[0].steps.size(), 1U);
  EXPECT_EQ(interrupted[0].steps[0].name, "migrate");
  EXPECT_FALSE(interrupted[0].steps[0].finished_unix_ms.has_value());
  const auto history = reopened.history(1);
  ASSERT_EQ(history.size(), 1U);
  EXPECT_EQ(history[0].commit, "v2");  // newest first
}

TEST(DeployJournal, HistoryCommand) {
  test::TempDir dir;
  {
    DeployJournal journal(dir.path() + "/state.db");
    const auto run = journal.begin("rollback", "bob@laptop", "0123456789abcdef");
    journal.step_started(run, "switch");
    journal.step_finished(run, "switch", "ok", "");
    journal.finish(run, "succeeded", "");
  }
  std::ostringstream out;
  std::ostringstream err;
  ASSERT_EQ(run_agent_cli({"history", "--root", dir.path()}, out, err), 0) << err.str();
  EXPECT_NE(out.str().find("#1 rollback 0123456789ab by bob@laptop: succeeded"), std::string::npos)
      << out.str();
  EXPECT_NE(out.str().find("switch      ok"), std::string::npos) << out.str();
  std::ostringstream json;
  ASSERT_EQ(run_agent_cli({"history", "--json", "--root", dir.path()}, json, err), 0);
  EXPECT_NE(json.str().find("\"result\":\"succeeded\""), std::string::npos) << json.str();
  std::ostringstream bad;
  EXPECT_EQ(run_agent_cli({"history", "--root", dir.path(), "-n", "many"}, bad, err), 2);
}

}  // namespace
}  // namespace bosun::agent
