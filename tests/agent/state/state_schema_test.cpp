// state.db's one schema and its version: a new file, a file as the agents before versions
// left it, one written by this release (tests/data/state-v2.db, kept so that later agents
// prove they still read it), and one from a newer agent, which is refused.

#include <filesystem>

#include <gtest/gtest.h>

#include "agent_namespaces.hpp"
#include "child_process.hpp"
#include "sqlite_file.hpp"
#include "state/deploy_journal.hpp"
#include "state/deploy_lock.hpp"
#include "state/journal.hpp"
#include "state/release_ledger.hpp"
#include "state/state_schema.hpp"

namespace bosun::agent {
namespace {

namespace fs = std::filesystem;

void exec(const std::string& path, const std::string& sql) {
  test::sqlite_exec(path, sql);
}

std::string tables(const std::string& path) {
  return test::sqlite_query(path,
                            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE "
                            "'sqlite_%' ORDER BY name");
}

TEST(StateSchema, ANewStateDbHasEveryTableAtTheCurrentVersion) {
  test::TempDir dir;
  const std::string path = dir.path() + "/state.db";
  ReleaseLedger ledger(path);  // any store creates the whole schema
  EXPECT_EQ(state_schema_version(path), k_state_schema_version);
  EXPECT_EQ(tables(path), "deploy_lock,events,releases,run_steps,runs");
  migrate_state_db(path);  // again: nothing to do
  EXPECT_EQ(state_schema_version(path), k_state_schema_version);
}

TEST(StateSchema, AStateDbOfTheAgentsBeforeVersionsIsMigratedKeepingItsRows) {
  test::TempDir dir;
  const std::string path = dir.path() + "/state.db";
  // As the previous release's agent wrote it: no user_version, integer schema versions.
  exec(path,
       "CREATE TABLE releases (id TEXT PRIMARY KEY, commit_sha TEXT NOT NULL, manifest TEXT NOT "
       "NULL, state TEXT NOT NULL, reason TEXT NOT NULL DEFAULT '', schema_version INTEGER, "
       "schema_from INTEGER, backup TEXT NOT NULL DEFAULT '', created_unix_ms INTEGER NOT NULL, "
       "verified_unix_ms INTEGER);"
       "INSERT INTO releases VALUES ('r1', 'sha1', 'app.yaml', 'good', '', 4, 3, '/b/r1.db', 1000,"
       " 2000);"
       "CREATE TABLE events (id INTEGER PRIMARY KEY AUTOINCREMENT, unix_ms INTEGER NOT NULL,"
       " service TEXT NOT NULL, kind TEXT NOT NULL, detail TEXT NOT NULL);"
       "INSERT INTO events (unix_ms, service, kind, detail) VALUES (5, 'api', 'ready', 'ok');");
  ASSERT_EQ(state_schema_version(path), 0);
  Journal journal(path);
  EXPECT_EQ(state_schema_version(path), k_state_schema_version);
  EXPECT_EQ(journal.since(0, 10).size(), 1U);
  ReleaseLedger ledger(path);
  const auto r1 = ledger.find("r1");
  ASSERT_TRUE(r1.has_value());
  EXPECT_EQ(r1->schema, "4");
  EXPECT_EQ(r1->schema_from, "3");
  EXPECT_EQ(r1->backup, "/b/r1.db");
  EXPECT_EQ(r1->restored, "");
  EXPECT_EQ(tables(path), "deploy_lock,events,releases,run_steps,runs");
}

TEST(StateSchema, AStateDbWrittenByThisReleaseStaysReadable) {
  test::TempDir dir;
  const std::string path = dir.path() + "/state.db";
  fs::copy_file(std::string(BOSUN_SOURCE_DIR) + "/tests/data/state-v2.db", path);
  EXPECT_EQ(state_schema_version(path), 2);
  ReleaseLedger ledger(path);
  const auto good = ledger.find("20261201T120000Z-a1f3c9e2");
  ASSERT_TRUE(good.has_value());
  EXPECT_EQ(good->state, ReleaseState::good);
  EXPECT_EQ(good->schema, "a1f3c9e2b7d4");
  EXPECT_NE(good->restored.find("restored from the backup"), std::string::npos);
  const auto failed = ledger.find("20261201T130000Z-c5d2e8f1");
  ASSERT_TRUE(failed.has_value());
  EXPECT_EQ(failed->schema_from, "a1f3c9e2b7d4");
  EXPECT_EQ(ledger.last_good("")->id, "20261201T120000Z-a1f3c9e2");
  DeployJournal runs(path);
  const auto history = runs.history(10);
  ASSERT_EQ(history.size(), 1U);
  EXPECT_EQ(history[0].result, "rolled-back");
  EXPECT_EQ(history[0].steps.at(0).detail, "schema a1f3c9e2b7d4 -> c5d2e8f1a093");
  EXPECT_FALSE(DeployLock(path).status().has_value());
}

TEST(StateSchema, AStateDbOfANewerAgentIsRefusedUntouched) {
  test::TempDir dir;
  const std::string path = dir.path() + "/state.db";
  migrate_state_db(path);
  exec(path, "PRAGMA user_version = 99");
  try {
    ReleaseLedger ledger(path);
    FAIL() << "opened a state.db of schema 99";
  } catch (const std::runtime_error& error) {
    EXPECT_NE(std::string(error.what())
                  .find("written by a newer bosun-agent (schema 99; this "
                        "agent knows up to " +
                        std::to_string(k_state_schema_version)),
              std::string::npos)
        << error.what();
  }
  EXPECT_EQ(state_schema_version(path), 99);
}

}  // namespace
}  // namespace bosun::agent
