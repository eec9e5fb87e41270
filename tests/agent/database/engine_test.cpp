// The database engines: which kinds bosun handles itself, and SQLite's built-ins on a real file
// (the folder before the first migration, an online backup, the restore, the schema).
#include <gtest/gtest.h>

#include <filesystem>

#include "agent_namespaces.hpp"
#include "child_process.hpp"
#include "database/engine.hpp"
#include "sqlite_file.hpp"

namespace bosun::agent {
namespace {

manifest::Database sqlite_at(const std::string& path) {
  manifest::Database database;
  database.kind = manifest::DatabaseKind::sqlite;
  database.path = path;
  return database;
}

TEST(DatabaseEngine, KindNoneLeavesEverythingToTheManifestsCommands) {
  manifest::Database database;
  const Engine& engine = engine_for(manifest::DatabaseKind::none);
  EXPECT_EQ(engine.prepare(database, {}), "");
  EXPECT_FALSE(engine.backup(database, "/nonexistent/b", {}).has_value());
  EXPECT_FALSE(engine.restore(database, "/nonexistent/b", {}).has_value());
  EXPECT_FALSE(engine.schema(database, {}).has_value());
}

TEST(DatabaseEngine, ServerEnginesNeedTheAppsUrlAndSayWhichVariable) {
  for (const auto kind : {manifest::DatabaseKind::postgres, manifest::DatabaseKind::mysql}) {
    manifest::Database database;
    database.kind = kind;
    database.url_env = "APP_DB";
    const Engine& engine = engine_for(kind);
    const auto backup = engine.backup(database, "/nonexistent/b", {});
    ASSERT_TRUE(backup.has_value());
    EXPECT_TRUE(backup->failed());
    EXPECT_NE(backup->detail.find("APP_DB is not set"), std::string::npos) << backup->detail;
    CommandSite site;
    site.env["APP_DB"] = "redis://x:pw-123@127.0.0.1/0";
    const auto restore = engine.restore(database, "/nonexistent/b", site);
    ASSERT_TRUE(restore.has_value());
    EXPECT_TRUE(restore->failed());
    EXPECT_EQ(restore->detail.find("pw-123"), std::string::npos) << restore->detail;
    EXPECT_FALSE(engine.schema(database, {}).has_value());
  }
  EXPECT_EQ(engine_for(manifest::DatabaseKind::postgres).backup_extension(), "dump");
  EXPECT_EQ(engine_for(manifest::DatabaseKind::mysql).backup_extension(), "sql");
  EXPECT_EQ(engine_for(manifest::DatabaseKind::sqlite).backup_extension(), "db");
}

TEST(DatabaseEngine, SqliteMakesTheFolderBacksUpRestoresAndReadsTheSchema) {
  test::TempDir dir;
  const manifest::Database database = sqlite_at("${shared}/db/app.sqlite");
  CommandSite site;
  site.variables["shared"] = dir.path();
  const Engine& engine = engine_for(manifest::DatabaseKind::sqlite);
  const std::string file = dir.path() + "/db/app.sqlite";

  EXPECT_EQ(engine.prepare(database, site), dir.path() + "/db");
  EXPECT_EQ(engine.prepare(database, site), "");  // already there
  const auto nothing_yet = engine.backup(database, dir.path() + "/b.db", site);
  ASSERT_TRUE(nothing_yet.has_value());
  EXPECT_EQ(nothing_yet->outcome, StepOutcome::skipped);

  test::sqlite_exec(file, "CREATE TABLE notes (body TEXT); INSERT INTO notes VALUES ('kept');");
  const auto backed_up = engine.backup(database, dir.path() + "/b.db", site);
  ASSERT_TRUE(backed_up.has_value());
  EXPECT_EQ(backed_up->outcome, StepOutcome::ok) << backed_up->detail;
  const auto before = engine.schema(database, site);
  ASSERT_TRUE(before.has_value());
  EXPECT_EQ(before->count("table notes"), 1U);

  test::sqlite_exec(file, "DROP TABLE notes; CREATE TABLE other (x);");
  const auto restored = engine.restore(database, dir.path() + "/b.db", site);
  ASSERT_TRUE(restored.has_value());
  EXPECT_EQ(restored->outcome, StepOutcome::ok) << restored->detail;
  EXPECT_EQ(test::sqlite_query(file, "SELECT body FROM notes"), "kept");
  EXPECT_EQ(engine.schema(database, site), before);
}

}  // namespace
}  // namespace bosun::agent
