// Backups, restores and schema undo with the platform's real platform-migrate on SQLite files,
// and the command form used for other engines.

#include <sqlite3.h>

#include <filesystem>
#include <fstream>

#include <gtest/gtest.h>

#include "agent_namespaces.hpp"
#include "bosun/manifest/loader.hpp"
#include "child_process.hpp"
#include "database/schema_actions.hpp"
#include "deploy/steps/migrate_commands.hpp"
#include "deploy/steps/step_command.hpp"

namespace bosun::agent {
namespace {

namespace fs = std::filesystem;

manifest::Database platform_database(const std::string& extra) {
  const std::string bin = PLATFORM_MIGRATE_BIN;
  const auto loaded = manifest::parse_manifest(
      "app: demo\nrepo: r\nservices: {web: {command: [x]}}\n"
      "database:\n  kind: sqlite\n  path: ${shared}/app.db\n  migrate:\n"
      "    up: [" +
          bin + ", up]\n    down: [" + bin + ", down, --to, \"${version}\"]\n    version: [" + bin +
          ", status, --version]\n" + extra,
      "app.yaml");
  if (!loaded.ok()) {
    throw std::runtime_error("fixture manifest does not load");
  }
  return loaded.manifest->database;
}

CommandSite site_in(const std::string& dir) {
  return {dir,
          {{"DATABASE_URL", "sqlite:///" + dir + "/app.db"}, {"PATH", "/usr/bin:/bin"}},
          {{"shared", dir}},
          dir + "/db.log",
          dir + "/step.pid"};
}

void exec_sql(const std::string& path, const std::string& sql) {
  sqlite3* db = nullptr;
  ::sqlite3_open(path.c_str(), &db);
  ::sqlite3_exec(db, sql.c_str(), nullptr, nullptr, nullptr);
  ::sqlite3_close(db);
}

long long count_users(const std::string& path) {
  sqlite3* db = nullptr;
  ::sqlite3_open(path.c_str(), &db);
  sqlite3_stmt* query = nullptr;
  ::sqlite3_prepare_v2(db, "SELECT count(*) FROM users", -1, &query, nullptr);
  long long count = -1;
  if (query != nullptr && ::sqlite3_step(query) == SQLITE_ROW) {
    count = ::sqlite3_column_int64(query, 0);
  }
  ::sqlite3_finalize(query);
  ::sqlite3_close(db);
  return count;
}

// database.path: ${shared}/db/nested/app.db with no such folder yet: bosun makes it, so the
// first migrate does not fail with "unable to open database file".
TEST(SchemaActions, TheSqliteFolderIsMadeBeforeTheFirstMigrate) {
  test::TempDir dir;
  manifest::Database database = platform_database("");
  database.path = "${shared}/db/nested/app.db";
  CommandSite site = site_in(dir.path());
  site.env["DATABASE_URL"] = "sqlite:///" + dir.path() + "/db/nested/app.db";
  EXPECT_EQ(make_database_folder(database, site), dir.path() + "/db/nested");
  EXPECT_TRUE(std::filesystem::is_directory(dir.path() + "/db/nested"));
  EXPECT_EQ(make_database_folder(database, site), "") << "there already";
  EXPECT_TRUE(migrate_up(database, {site.release_dir, site.env, site.log_path,
                                    std::chrono::milliseconds(30'000), site.variables, ""})
                  .succeeded());
  EXPECT_EQ(schema_version(database, site), "4");
}

TEST(SchemaActions, SqliteBackupIsSkippedBeforeTheFirstDatabaseThenTakenAndRestored) {
  test::TempDir dir;
  const auto database = platform_database("");
  const CommandSite site = site_in(dir.path());
  EXPECT_EQ(take_backup(database, dir.path() + "/b/first.db", site).outcome,
            StepResult::Outcome::skipped);
  ASSERT_EQ(schema_version(database, site), "0");
  ASSERT_TRUE(undo_schema(database, "4", SchemaUndo::down, "", site).failed())
      << "down cannot go up to 4";
  exec_sql(dir.path() + "/app.db", "");  // creates the file
  const StepCommandResult up = run_step_command({{PLATFORM_MIGRATE_BIN, "up"},
                                                 site.env,
                                                 dir.path(),
                                                 site.log_path,
                                                 std::chrono::seconds(30),
                                                 ""});
  ASSERT_TRUE(up.succeeded());
  exec_sql(dir.path() + "/app.db",
           "INSERT INTO users (email, password_hash) VALUES ('a@example.com', 'x')");
  const StepResult backup = take_backup(database, dir.path() + "/b/r1.db", site);
  ASSERT_EQ(backup.outcome, StepResult::Outcome::ok) << backup.detail;
  exec_sql(dir.path() + "/app.db", "DELETE FROM users");
  ASSERT_EQ(count_users(dir.path() + "/app.db"), 0);
  const StepResult restored = restore_backup(database, dir.path() + "/b/r1.db", site);
  ASSERT_EQ(restored.outcome, StepResult::Outcome::ok) << restored.detail;
  EXPECT_EQ(count_users(dir.path() + "/app.db"), 1);
  EXPECT_TRUE(restore_backup(database, dir.path() + "/b/none.db", site).failed());
}

TEST(SchemaActions, UndoMigratesDownAndFallsBackToTheBackup) {
  test::TempDir dir;
  const auto database = platform_database("");
  const CommandSite site = site_in(dir.path());
  exec_sql(dir.path() + "/app.db", "");
  ASSERT_TRUE(run_step_command({{PLATFORM_MIGRATE_BIN, "up", "--to", "3"},
                                site.env,
                                dir.path(),
                                site.log_path,
                                std::chrono::seconds(30),
                                ""})
                  .succeeded());
  ASSERT_EQ(take_backup(database, dir.path() + "/at3.db", site).outcome, StepResult::Outcome::ok);
  ASSERT_TRUE(run_step_command({{PLATFORM_MIGRATE_BIN, "up"},
                                site.env,
                                dir.path(),
                                site.log_path,
                                std::chrono::seconds(30),
                                ""})
                  .succeeded());
  ASSERT_EQ(schema_version(database, site), "4");
  // Down with the release's scripts.
  const StepResult down = undo_schema(database, "3", SchemaUndo::down_then_restore, "", site);
  ASSERT_EQ(down.outcome, StepResult::Outcome::ok) << down.detail;
  EXPECT_EQ(schema_version(database, site), "3");
  EXPECT_EQ(undo_schema(database, "3", SchemaUndo::down, "", site).detail,
            "schema already at version 3");
  // A broken down command: the backup is put back instead.
  ASSERT_TRUE(run_step_command({{PLATFORM_MIGRATE_BIN, "up"},
                                site.env,
                                dir.path(),
                                site.log_path,
                                std::chrono::seconds(30),
                                ""})
                  .succeeded());
  manifest::Database broken = database;
  broken.migrate_down = manifest::Command{{"/bin/false"}, "", {}};
  const StepResult fallback =
      undo_schema(broken, "3", SchemaUndo::down_then_restore, dir.path() + "/at3.db", site);
  ASSERT_EQ(fallback.outcome, StepResult::Outcome::ok) << fallback.detail;
  EXPECT_NE(fallback.detail.find("migrate down exited with code 1"), std::string::npos)
      << fallback.detail;
  EXPECT_NE(fallback.detail.find("restored"), std::string::npos) << fallback.detail;
  EXPECT_EQ(schema_version(database, site), "3");
  // Without a backup to fall back on, it fails and says why.
  ASSERT_TRUE(run_step_command({{PLATFORM_MIGRATE_BIN, "up"},
                                site.env,
                                dir.path(),
                                site.log_path,
                                std::chrono::seconds(30),
                                ""})
                  .succeeded());
  EXPECT_TRUE(undo_schema(broken, "3", SchemaUndo::down, "", site).failed());
}

TEST(SchemaActions, CommandBackupsForOtherEnginesGetTheirPath) {
  test::TempDir dir;
  const auto loaded = manifest::parse_manifest(
      "app: demo\nrepo: r\nservices: {web: {command: [x]}}\n"
      "database:\n  kind: postgres\n"
      "  backup: {sh: 'echo dump-of-$PGDATABASE > \"$BOSUN_BACKUP_PATH\"'}\n"
      "  restore: {sh: 'cp \"$BOSUN_BACKUP_PATH\" restored.txt'}\n"
      "  rollback: restore\n",
      "app.yaml");
  ASSERT_TRUE(loaded.ok());
  CommandSite site = site_in(dir.path());
  site.env["PGDATABASE"] = "shop";
  const std::string path = dir.path() + "/backups/r1.dump";
  const StepResult backup = take_backup(loaded.manifest->database, path, site);
  ASSERT_EQ(backup.outcome, StepResult::Outcome::ok) << backup.detail;
  std::ifstream dump(path);
  std::string line;
  std::getline(dump, line);
  EXPECT_EQ(line, "dump-of-shop");
  ASSERT_EQ(restore_backup(loaded.manifest->database, path, site).outcome, StepResult::Outcome::ok);
  EXPECT_TRUE(fs::exists(dir.path() + "/restored.txt"));
  manifest::Database failing = loaded.manifest->database;
  failing.backup = manifest::Command{{"/bin/sh", "-c", "exit 9"}, "", {}};
  const StepResult failed = take_backup(failing, path, site);
  EXPECT_TRUE(failed.failed());
  EXPECT_NE(failed.detail.find("exited with code 9"), std::string::npos) << failed.detail;
}

}  // namespace
}  // namespace bosun::agent
