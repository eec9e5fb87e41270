// Migrations against real SQLite files: up/down/up, rows kept, one transaction each.

#include <gtest/gtest.h>

#include "child_process.hpp"
#include "core/migrations.hpp"
#include "core/sqlite_db.hpp"

namespace platform {
namespace {

// Every schema object, sorted, as SQLite stores its CREATE text.
std::string schema_of(Database& db) {
  auto query = db.prepare(
      "SELECT type || ' ' || name || ': ' || COALESCE(sql, '') FROM sqlite_master "
      "WHERE name NOT LIKE 'sqlite_%' AND name != 'schema_migrations' ORDER BY type, name");
  std::string schema;
  while (query.step()) {
    schema += query.column_text(0) + "\n";
  }
  return schema;
}

class MigrationsTest : public ::testing::Test {
 protected:
  bosun::test::TempDir dir;
  Database db{dir.path() + "/app.db"};
  Migrator migrator{db, embedded_migrations()};
};

TEST_F(MigrationsTest, BuildCarriesTheExpectedMigrations) {
  const auto& migrations = embedded_migrations();
  ASSERT_GE(migrations.size(), 4U);
  EXPECT_EQ(migrations[0].name, "users");
  EXPECT_EQ(migrator.expected_version(), migrations.back().version);
  for (std::size_t i = 1; i < migrations.size(); ++i) {
    EXPECT_GT(migrations[i].version, migrations[i - 1].version);
  }
}

TEST_F(MigrationsTest, UpDownUpGivesIdenticalSchemaAtEveryVersion) {
  std::vector<std::string> going_up{schema_of(db)};
  for (const Migration& migration : embedded_migrations()) {
    migrator.up(migration.version);
    going_up.push_back(schema_of(db));
  }
  EXPECT_EQ(migrator.current_version(), migrator.expected_version());
  const auto& migrations = embedded_migrations();
  for (std::size_t i = migrations.size(); i-- > 0;) {
    const int target = i == 0 ? 0 : migrations[i - 1].version;
    migrator.down_to(target);
    EXPECT_EQ(migrator.current_version(), target);
    EXPECT_EQ(schema_of(db), going_up[i]) << "schema differs after migrating down to " << target;
  }
  EXPECT_EQ(schema_of(db), "");
  migrator.up();
  EXPECT_EQ(schema_of(db), going_up.back());
}

TEST_F(MigrationsTest, DownAndUpAgainKeepsRows) {
  migrator.up();
  db.exec("INSERT INTO users (email, password_hash) VALUES ('a@x.io', 'h1'), ('b@x.io', 'h2')");
  db.exec("UPDATE users SET local_id = 'L-1' WHERE email = 'a@x.io'");
  db.exec("INSERT INTO tasks (id, user_id, topic, mode) VALUES ('t1', 2, 'x', 'text')");
  auto role_of = [&](const std::string& email) {
    auto query = db.prepare("SELECT role FROM users WHERE email = ?");
    query.bind(1, email);
    return query.step() ? query.column_text(0) : std::string("<none>");
  };
  EXPECT_EQ(role_of("a@x.io"), "guest");  // 0004's default
  migrator.down_to(3);
  db.exec("INSERT INTO users (email, password_hash) VALUES ('c@x.io', 'h3')");
  EXPECT_EQ(role_of("c@x.io"), "learner");  // 0001's default is back
  EXPECT_EQ(role_of("a@x.io"), "guest");    // existing rows keep their values
  migrator.up();
  auto count = db.prepare("SELECT COUNT(*) FROM users");
  count.step();
  EXPECT_EQ(count.column_int(0), 3);
  auto task_owner = db.prepare("SELECT u.email FROM tasks t JOIN users u ON u.id = t.user_id");
  ASSERT_TRUE(task_owner.step());
  EXPECT_EQ(task_owner.column_text(0), "b@x.io");  // ids and references survived the rebuilds
}

TEST_F(MigrationsTest, FailingMigrationLeavesNoTrace) {
  const std::vector<Migration> broken{
      {1, "fine", "CREATE TABLE a (x INTEGER);", "DROP TABLE a;"},
      {2, "broken", "CREATE TABLE b (x INTEGER); INSERT INTO nowhere VALUES (1);",
       "DROP TABLE b;"}};
  Migrator partial(db, broken);
  EXPECT_THROW(partial.up(), DatabaseError);
  EXPECT_EQ(partial.current_version(), 1);
  auto b_exists = db.prepare("SELECT 1 FROM sqlite_master WHERE name = 'b'");
  EXPECT_FALSE(b_exists.step());
}

TEST_F(MigrationsTest, DownRefusesMigrationsThisBuildDoesNotKnow) {
  migrator.up();
  db.exec("INSERT INTO schema_migrations (version, name) VALUES (99, 'from_the_future')");
  try {
    migrator.down_to(0);
    FAIL() << "expected an error";
  } catch (const DatabaseError& error) {
    EXPECT_NE(std::string(error.what()).find("migration 99 (from_the_future) is not known"),
              std::string::npos);
  }
  EXPECT_EQ(migrator.current_version(), 99);
}

TEST_F(MigrationsTest, ReadingTheVersionDoesNotWrite) {
  EXPECT_EQ(migrator.current_version(), 0);
  auto table = db.prepare("SELECT 1 FROM sqlite_master WHERE name = 'schema_migrations'");
  EXPECT_FALSE(table.step());
}

}  // namespace
}  // namespace platform
