// The release ledger in a real state.db.

#include <sqlite3.h>

#include <gtest/gtest.h>

#include <thread>

#include "agent_namespaces.hpp"
#include "child_process.hpp"
#include "state/release_ledger.hpp"

namespace bosun::agent {
namespace {

ReleaseRecord record(const std::string& id, std::int64_t created) {
  return {id, "sha-" + id, "app.yaml", ReleaseState::built, "", {}, {}, "", created, {}};
}

TEST(ReleaseLedger, RecordsStatesSchemasAndBackups) {
  test::TempDir dir;
  ReleaseLedger ledger(dir.path() + "/state.db");
  ledger.add(record("r1", 1000));
  ledger.set_schema("r1", "3", "a1f3c9e2b7d4");
  ledger.set_backup("r1", "/b/r1.db");
  ledger.set_state("r1", ReleaseState::live, "");
  auto found = ledger.find("r1");
  ASSERT_TRUE(found.has_value());
  EXPECT_EQ(found->commit, "sha-r1");
  EXPECT_EQ(found->state, ReleaseState::live);
  EXPECT_EQ(found->schema_from, "3");
  EXPECT_EQ(found->schema, "a1f3c9e2b7d4");
  EXPECT_EQ(found->backup, "/b/r1.db");
  EXPECT_FALSE(found->verified_unix_ms.has_value());
  ledger.set_schema("r1", std::nullopt, std::nullopt);
  EXPECT_FALSE(ledger.find("r1")->schema.has_value());
  EXPECT_FALSE(ledger.find("nope").has_value());
  // A second ledger on the same file sees the same records (it is state.db, not memory).
  EXPECT_EQ(ReleaseLedger(dir.path() + "/state.db").all().size(), 1U);
}

TEST(ReleaseLedger, SchemaVersionsStayTextAndOlderIntegerRecordsAreRead) {
  test::TempDir dir;
  const std::string path = dir.path() + "/state.db";
  {
    // A ledger as an older agent left it: integer schema columns only.
    sqlite3* db = nullptr;
    ASSERT_EQ(::sqlite3_open(path.c_str(), &db), SQLITE_OK);
    ASSERT_EQ(::sqlite3_exec(db,
                             "CREATE TABLE releases (id TEXT PRIMARY KEY, commit_sha TEXT NOT NULL,"
                             " manifest TEXT NOT NULL, state TEXT NOT NULL, reason TEXT NOT NULL"
                             " DEFAULT '', schema_version INTEGER, schema_from INTEGER, backup"
                             " TEXT NOT NULL DEFAULT '', created_unix_ms INTEGER NOT NULL,"
                             " verified_unix_ms INTEGER);"
                             "INSERT INTO releases VALUES ('old', 'sha', 'app.yaml', 'good', '',"
                             " 4, 3, '', 1000, 2000);",
                             nullptr, nullptr, nullptr),
              SQLITE_OK);
    ::sqlite3_close(db);
  }
  ReleaseLedger ledger(path);
  EXPECT_EQ(ledger.find("old")->schema, "4");
  EXPECT_EQ(ledger.find("old")->schema_from, "3");
  ledger.add(record("new", 3000));
  ledger.set_schema("new", "", "007");
  EXPECT_EQ(ledger.find("new")->schema, "007");    // not 7
  EXPECT_EQ(ledger.find("new")->schema_from, "");  // before the first migration, not unknown
}

TEST(ReleaseLedger, LastGoodIsTheNewestVerifiedOtherThanTheOneGiven) {
  test::TempDir dir;
  ReleaseLedger ledger(dir.path() + "/state.db");
  for (const char* id : {"r1", "r2", "r3"}) {
    ledger.add(record(id, 1000));
  }
  EXPECT_FALSE(ledger.last_good("").has_value());
  ledger.mark_verified("r1");
  std::this_thread::sleep_for(std::chrono::milliseconds(5));
  ledger.mark_verified("r2");
  EXPECT_EQ(ledger.last_good("")->id, "r2");
  EXPECT_EQ(ledger.last_good("r2")->id, "r1");
  ledger.set_state("r1", ReleaseState::failed, "rolled back by alice");
  EXPECT_FALSE(ledger.last_good("r2").has_value()) << "a release that failed since is not good";
  EXPECT_EQ(ledger.find("r1")->reason, "rolled back by alice");
  EXPECT_EQ(to_string(ledger.find("r3")->state), "built");
}

}  // namespace
}  // namespace bosun::agent
