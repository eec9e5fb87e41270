// Issue 16, item 14: a backup is checked before it is called one. SQLite's backup API copies
// pages as they are, so a damaged database made a damaged "backup" that a rollback would have
// restored; now PRAGMA integrity_check runs on the copy, and a copy that fails it is removed
// and the backup fails, saying why. (Postgres dumps are read back with pg_restore --list and
// MySQL dumps must end with "Dump completed": tests/agent/database/server_engines_test.cpp.)
#include <sqlite3.h>

#include <filesystem>
#include <fstream>

#include <gtest/gtest.h>

#include "child_process.hpp"
#include "database/database_backup.hpp"

namespace bosun::agent::database {
namespace {

void make_database(const std::string& path) {
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(path.c_str(), &db), SQLITE_OK);
  ASSERT_EQ(sqlite3_exec(db,
                         "CREATE TABLE t(id INTEGER PRIMARY KEY, body TEXT); CREATE INDEX "
                         "t_body ON t(body); WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT "
                         "i + 1 FROM n WHERE i < 2000) INSERT INTO t(body) SELECT printf('row "
                         "%d %s', i, hex(randomblob(40))) FROM n;",
                         nullptr, nullptr, nullptr),
            SQLITE_OK);
  sqlite3_close(db);
}

TEST(BackupCheck, AGoodDatabaseIsBackedUpAndADamagedOneIsRefused) {
  test::TempDir dir;
  const std::string source = dir.path() + "/app.db";
  make_database(source);
  backup_sqlite(source, dir.path() + "/good.db");
  EXPECT_TRUE(std::filesystem::exists(dir.path() + "/good.db"));

  // Garbage over a page in the middle: the index's or the table's, either is damage.
  {
    std::fstream file(source, std::ios::in | std::ios::out | std::ios::binary);
    file.seekp(4096 * 20);
    const std::string garbage(4096, '\x5a');
    file.write(garbage.data(), static_cast<std::streamsize>(garbage.size()));
  }
  try {
    backup_sqlite(source, dir.path() + "/bad.db");
    ADD_FAILURE() << "a damaged database was backed up";
  } catch (const std::runtime_error& error) {
    EXPECT_NE(std::string(error.what()).find("does not pass PRAGMA integrity_check: "),
              std::string::npos)
        << error.what();
  }
  EXPECT_FALSE(std::filesystem::exists(dir.path() + "/bad.db"));
  EXPECT_FALSE(std::filesystem::exists(dir.path() + "/bad.db.partial"));
}

}  // namespace
}  // namespace bosun::agent::database
