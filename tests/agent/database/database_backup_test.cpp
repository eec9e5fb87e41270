// SQLite backups taken while a writer keeps writing, and restores, on real database files.

#include <sqlite3.h>

#include <atomic>
#include <filesystem>
#include <thread>

#include <gtest/gtest.h>

#include "agent_namespaces.hpp"
#include "child_process.hpp"
#include "database/database_backup.hpp"

namespace bosun::agent {
namespace {

sqlite3* open(const std::string& path) {
  sqlite3* db = nullptr;
  EXPECT_EQ(::sqlite3_open(path.c_str(), &db), SQLITE_OK);
  ::sqlite3_busy_timeout(db, 5000);
  return db;
}

long long scalar(sqlite3* db, const char* sql) {
  sqlite3_stmt* statement = nullptr;
  ::sqlite3_prepare_v2(db, sql, -1, &statement, nullptr);
  long long value = -1;
  if (::sqlite3_step(statement) == SQLITE_ROW) {
    value = ::sqlite3_column_int64(statement, 0);
  }
  ::sqlite3_finalize(statement);
  return value;
}

std::string text(sqlite3* db, const char* sql) {
  sqlite3_stmt* statement = nullptr;
  ::sqlite3_prepare_v2(db, sql, -1, &statement, nullptr);
  std::string value;
  if (::sqlite3_step(statement) == SQLITE_ROW) {
    value = reinterpret_cast<const char*>(::sqlite3_column_text(statement, 0));
  }
  ::sqlite3_finalize(statement);
  return value;
}

TEST(DatabaseBackup, ConsistentWhileAWriterRuns) {
  test::TempDir dir;
  const std::string live = dir.path() + "/app.db";
  sqlite3* db = open(live);
  ::sqlite3_exec(db,
                 "PRAGMA journal_mode=WAL; CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT);"
                 "CREATE TABLE total (n INTEGER); INSERT INTO total VALUES (0);",
                 nullptr, nullptr, nullptr);
  // Each transaction adds a row and bumps the total: a consistent copy always agrees.
  std::atomic<bool> stop{false};
  std::thread writer([&] {
    sqlite3* w = open(live);
    for (int i = 0; !stop.load() && i < 200'000; ++i) {
      ::sqlite3_exec(w,
                     "BEGIN; INSERT INTO t (v) VALUES (hex(randomblob(64))); UPDATE total SET n = "
                     "n + 1; COMMIT;",
                     nullptr, nullptr, nullptr);
    }
    ::sqlite3_close(w);
  });
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  for (int round = 0; round < 3; ++round) {
    const std::string copy = dir.path() + "/backups/app-" + std::to_string(round) + ".db";
    backup_sqlite(live, copy);
    sqlite3* b = open(copy);
    EXPECT_EQ(scalar(b, "SELECT COUNT(*) FROM t"), scalar(b, "SELECT n FROM total"));
    EXPECT_GT(scalar(b, "SELECT n FROM total"), 0);
    EXPECT_EQ(text(b, "PRAGMA integrity_check"), "ok");
    ::sqlite3_close(b);
  }
  stop = true;
  writer.join();
  ::sqlite3_close(db);
}

TEST(DatabaseBackup, RestorePutsTheOldDataBack) {
  test::TempDir dir;
  const std::string live = dir.path() + "/app.db";
  sqlite3* db = open(live);
  ::sqlite3_exec(db, "CREATE TABLE t (v INTEGER); INSERT INTO t VALUES (1), (2);", nullptr, nullptr,
                 nullptr);
  backup_sqlite(live, dir.path() + "/before.db");
  ::sqlite3_exec(db, "DELETE FROM t; ALTER TABLE t ADD COLUMN extra TEXT;", nullptr, nullptr,
                 nullptr);
  EXPECT_EQ(scalar(db, "SELECT COUNT(*) FROM t"), 0);
  restore_sqlite(dir.path() + "/before.db", live);
  EXPECT_EQ(scalar(db, "SELECT COUNT(*) FROM t"), 2);  // the open connection sees it too
  EXPECT_EQ(scalar(db, "SELECT COUNT(*) FROM pragma_table_info('t') WHERE name = 'extra'"), 0);
  ::sqlite3_close(db);
}

TEST(DatabaseBackup, ErrorsNameTheFile) {
  test::TempDir dir;
  try {
    backup_sqlite(dir.path() + "/missing.db", dir.path() + "/copy.db");
    FAIL();
  } catch (const std::runtime_error& error) {
    EXPECT_NE(std::string(error.what()).find("no database at"), std::string::npos);
  }
  EXPECT_FALSE(std::filesystem::exists(dir.path() + "/copy.db"));
  EXPECT_THROW(restore_sqlite(dir.path() + "/missing.db", dir.path() + "/x.db"),
               std::runtime_error);
}

}  // namespace
}  // namespace bosun::agent
