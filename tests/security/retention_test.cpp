// Issue 16, item 11: nothing the agent keeps grows without bound. The events table keeps its
// newest events; deploy logs are kept for the releases on the host and the newest others; the
// backup of a release discarded before its switch goes at the next prune; the user-mode
// agent.log is rotated by size.
#include <filesystem>
#include <fstream>

#include <gtest/gtest.h>

#include "agent_fixture.hpp"
#include "child_process.hpp"
#include "deploy_sandbox.hpp"
#include "git_repo.hpp"
#include "release/prune_plan.hpp"
#include "state/journal.hpp"

namespace bosun::test {
namespace {

namespace fs = std::filesystem;

TEST(Retention, TheEventsTableKeepsItsNewestEvents) {
  TempDir dir;
  agent::state::Journal journal(dir.path() + "/state.db", 100);
  for (int i = 0; i < 1000; ++i) {
    journal.record("web", "exited", "event " + std::to_string(i));
  }
  const auto events = journal.since(0, 100'000);
  EXPECT_LE(events.size(), 110U);
  EXPECT_GE(events.size(), 100U);
  ASSERT_FALSE(events.empty());
  bool newest = false;
  for (const auto& event : events) {
    newest = newest || event.detail == "event 999";
    EXPECT_NE(event.detail, "event 0");
  }
  EXPECT_TRUE(newest);
}

TEST(Retention, DeployLogsOfReleasesOnTheHostAndTheNewestOthersStay) {
  const std::vector<std::string> files{
      "20260101T000000Z-aaaa.build.log", "20260101T000000Z-aaaa.db.log",
      "20260102T000000Z-bbbb.build.log", "20260103T000000Z-cccc.build.log",
      "20260104T000000Z-dddd.build.log", "20260105T000000Z-eeee.build.log"};
  const auto removed = agent::release::deploy_logs_to_remove(
      files, {"20260101T000000Z-aaaa", "20260105T000000Z-eeee"}, 2);
  EXPECT_EQ(removed, std::vector<std::string>{"20260102T000000Z-bbbb.build.log"});
}

TEST(Retention, AUserModeAgentRotatesItsOwnLogPastTenMiB) {
  AgentSandbox agent;
  const std::string log = agent.root() + "/agent-0.out";  // where the sandbox sends its output
  std::ofstream(log) << std::string(11 * 1024 * 1024, 'x') << "\n";
  agent.start_agent({"--host", "127.0.0.1"});
  EXPECT_TRUE(fs::exists(log + ".1"));
  EXPECT_GT(fs::file_size(log + ".1"), 11U * 1024 * 1024);
  EXPECT_LT(fs::file_size(log), 1024U * 1024) << "the agent kept writing to the big file";
  agent.cli({"stop-all", "--root", agent.root()}, std::chrono::seconds(30));
}

// A release whose migrate fails is discarded before the switch, its backup put back; that
// backup is of no use to any rollback and goes at the next deploy's prune, while the backup a
// rollback to the first release needs stays.
TEST(Retention, TheBackupOfADiscardedReleaseGoesAtTheNextPrune) {
  AgentSandbox agent;
  TempDir source;
  GitRepo repo{source.path() + "/app"};
  const std::string db = "${shared}/data/app.db";
  repo.write(
      "app.yaml",
      "app: retention\nrepo: " + repo.path() +
          "\nshared: [data]\nverify: {window: 1s}\ndatabase:\n  kind: sqlite\n  path: " + db +
          "\n  migrate:\n    up: [/bin/sh, -c, \"test ! -f FAIL && /usr/bin/python3 -c "
          "\\\"import sqlite3; sqlite3.connect('" +
          db +
          "').execute('create table if not exists t(x)')\\\"\"]\n"
          "services:\n  web:\n    command: [/bin/sleep, \"120\"]\n");
  const std::string first = repo.commit_all("first");
  repo.write("FAIL", "the migrate fails\n");
  const std::string failing = repo.commit_all("a migrate that fails");
  fs::remove(repo.path() + "/FAIL");
  const std::string third = repo.commit_all("good again");
  agent.start_agent({"--repo", repo.path()});
  const auto deploy = [&](const std::string& sha) {
    return agent.cli({"deploy", "--root", agent.root(), "--commit", sha, "--json"},
                     std::chrono::seconds(120));
  };
  ASSERT_EQ(deploy(first).code, 0);
  const CliRun failed = deploy(failing);
  ASSERT_NE(failed.code, 0) << failed.output;
  std::vector<std::string> after_failure;
  for (const auto& entry : fs::directory_iterator(agent.root() + "/backups")) {
    after_failure.push_back(entry.path().string());
  }
  ASSERT_FALSE(after_failure.empty()) << "the failing deploy took no backup";
  const CliRun good = deploy(third);
  ASSERT_EQ(good.code, 0) << good.output;
  for (const std::string& backup : after_failure) {
    EXPECT_FALSE(fs::exists(backup)) << backup << " of the discarded release is still there";
  }
  int kept = 0;
  for (const auto& entry : fs::directory_iterator(agent.root() + "/backups")) {
    kept += entry.path().extension() == ".db";
  }
  EXPECT_EQ(kept, 1) << "the backup a rollback to the first release needs";
  agent.cli({"stop-all", "--root", agent.root()}, std::chrono::seconds(30));
}

}  // namespace
}  // namespace bosun::test
