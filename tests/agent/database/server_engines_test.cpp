// bosun's own backups and restores of Postgres and MariaDB, against real servers: a dump that
// reads back, sealed with its sha256; a restore that puts rows and schema back as they were
// (tables made after the backup dropped, even one with a foreign key into a restored table);
// a backup altered after it was taken refused; the password in no argument, log or file.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "agent_namespaces.hpp"
#include "child_process.hpp"
#include "database/backup_seal.hpp"
#include "database/schema_actions.hpp"
#include "mariadb_server.hpp"
#include "postgres_server.hpp"
#include "secret_scan.hpp"

namespace bosun::agent {
namespace {

const std::string k_password = "engine-secret-93b1c7";

std::string read_all(const std::string& path) {
  std::ifstream in(path);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

// Every file under `dir` lacks the password (the backups hold data, not credentials).
void expect_password_nowhere(const std::string& dir) {
  EXPECT_EQ(test::files_containing(dir, k_password, ""), std::vector<std::string>{});
}

class ServerEngineTest : public ::testing::Test {
 protected:
  CommandSite site_with(const std::string& url) {
    CommandSite site;
    site.release_dir = dir.path();
    site.env = {{"PATH", "/usr/local/bin:/usr/bin:/bin"}, {"DATABASE_URL", url}};
    site.log_path = dir.path() + "/db.log";
    return site;
  }
  manifest::Database database_of(manifest::DatabaseKind kind) {
    manifest::Database database;
    database.kind = kind;
    return database;
  }
  test::TempDir dir;
};

class PostgresEngineTest : public ServerEngineTest {
 protected:
  static void SetUpTestSuite() {
    try {
      server = new test::PostgresServer(k_password);
    } catch (const std::exception& error) {
      not_started = error.what();  // SetUp fails with it: gtest would call the suite skipped
    }
  }
  static void TearDownTestSuite() {
    delete server;
    server = nullptr;
  }
  void SetUp() override {
    ASSERT_NE(server, nullptr) << not_started;
    server->query("DROP TABLE IF EXISTS tags, notes CASCADE");
    server->query("CREATE TABLE notes (id serial PRIMARY KEY, body text NOT NULL)");
    server->query("INSERT INTO notes (body) VALUES ('one'), ('two')");
    server->query("ALTER TABLE notes OWNER TO app");
    server->query("ALTER SEQUENCE notes_id_seq OWNER TO app");
  }
  static test::PostgresServer* server;
  static std::string not_started;
};
test::PostgresServer* PostgresEngineTest::server = nullptr;
std::string PostgresEngineTest::not_started;

TEST_F(PostgresEngineTest, BackupReadsBackAndRestorePutsRowsAndSchemaBack) {
  const auto database = database_of(manifest::DatabaseKind::postgres);
  const CommandSite site = site_with(server->url());
  const std::string backup = dir.path() + "/backups/r1.dump";
  const auto before = schema_of(database, site);
  ASSERT_TRUE(before.has_value());
  EXPECT_EQ(before->count("table public.notes"), 1U);

  const deploy::StepResult taken = take_backup(database, backup, site);
  ASSERT_EQ(taken.outcome, StepOutcome::ok) << taken.detail;
  EXPECT_NE(taken.detail.find("read back with pg_restore --list"), std::string::npos)
      << taken.detail;
  EXPECT_NE(taken.detail.find("sha256"), std::string::npos) << taken.detail;
  EXPECT_TRUE(std::filesystem::exists(seal_path(backup)));
  EXPECT_FALSE(std::filesystem::exists(backup + ".partial"));

  // What a migration and the app did after it: a column, a table referencing notes, rows.
  server->query("ALTER TABLE notes ADD COLUMN author text");
  server->query("CREATE TABLE tags (id serial PRIMARY KEY, note int REFERENCES notes(id))");
  server->query("ALTER TABLE tags OWNER TO app");
  server->query("INSERT INTO notes (body) VALUES ('three')");
  const auto changed = schema_of(database, site);
  ASSERT_TRUE(changed.has_value());
  EXPECT_FALSE(schema_differences(*before, *changed).empty());

  const deploy::StepResult restored = restore_backup(database, backup, site);
  ASSERT_EQ(restored.outcome, StepOutcome::ok) << restored.detail << "\n"
                                               << read_all(site.log_path);
  EXPECT_NE(restored.restored_backup.find("everything written after it is gone"),
            std::string::npos);
  EXPECT_EQ(server->query("SELECT string_agg(body, ',' ORDER BY id) FROM notes"), "one,two\n");
  EXPECT_EQ(server->query("SELECT count(*) FROM pg_tables WHERE tablename = 'tags'"), "0\n");
  const auto after = schema_of(database, site);
  ASSERT_TRUE(after.has_value());
  EXPECT_TRUE(schema_differences(*before, *after).empty());
  expect_password_nowhere(dir.path());
}

TEST_F(PostgresEngineTest, AnAlteredBackupIsNotRestored) {
  const auto database = database_of(manifest::DatabaseKind::postgres);
  const CommandSite site = site_with(server->url());
  const std::string backup = dir.path() + "/backups/r1.dump";
  ASSERT_EQ(take_backup(database, backup, site).outcome, StepOutcome::ok);
  std::ofstream(backup, std::ios::app) << "x";
  server->query("INSERT INTO notes (body) VALUES ('written later')");
  const deploy::StepResult restored = restore_backup(database, backup, site);
  EXPECT_TRUE(restored.failed());
  EXPECT_NE(restored.detail.find("does not match its sha256"), std::string::npos)
      << restored.detail;
  EXPECT_EQ(server->query("SELECT count(*) FROM notes"), "3\n");
}

TEST_F(PostgresEngineTest, AWrongPasswordFailsTheBackupWithoutLeavingAFile) {
  const auto database = database_of(manifest::DatabaseKind::postgres);
  std::string url = server->url(false);
  url.insert(url.find('@'), ":not-" + k_password.substr(0, 5));
  const CommandSite site = site_with(url);
  const std::string backup = dir.path() + "/backups/r1.dump";
  const deploy::StepResult taken = take_backup(database, backup, site);
  EXPECT_TRUE(taken.failed());
  EXPECT_NE(taken.detail.find("pg_dump of postgresql://app@127.0.0.1"), std::string::npos)
      << taken.detail;
  EXPECT_FALSE(std::filesystem::exists(backup));
  EXPECT_FALSE(std::filesystem::exists(backup + ".partial"));
}

class MysqlEngineTest : public ServerEngineTest {
 protected:
  static void SetUpTestSuite() {
    server_dir = new test::TempDir;
    try {
      server = new test::MariaDbServer(server_dir->path(), k_password);
    } catch (const std::exception& error) {
      not_started = error.what();
    }
  }
  static void TearDownTestSuite() {
    delete server;
    delete server_dir;
  }
  void SetUp() override {
    ASSERT_NE(server, nullptr) << not_started;
    server->query("DROP TABLE IF EXISTS tags, notes");
    server->query("CREATE TABLE notes (id INT AUTO_INCREMENT PRIMARY KEY, body VARCHAR(80))");
    server->query("INSERT INTO notes (body) VALUES ('one'), ('two')");
  }
  std::string url() const {
    return "mysql+pymysql://app:" + k_password + "@127.0.0.1:" + std::to_string(server->port()) +
           "/app";
  }
  static test::TempDir* server_dir;
  static test::MariaDbServer* server;
  static std::string not_started;
};
test::TempDir* MysqlEngineTest::server_dir = nullptr;
test::MariaDbServer* MysqlEngineTest::server = nullptr;
std::string MysqlEngineTest::not_started;

TEST_F(MysqlEngineTest, DumpIsCompleteAndRestorePutsRowsAndSchemaBack) {
  const auto database = database_of(manifest::DatabaseKind::mysql);
  const CommandSite site = site_with(url());
  const std::string backup = dir.path() + "/backups/r1.sql";
  const auto before = schema_of(database, site);
  ASSERT_TRUE(before.has_value());
  EXPECT_EQ(before->count("table notes"), 1U);

  const deploy::StepResult taken = take_backup(database, backup, site);
  ASSERT_EQ(taken.outcome, StepOutcome::ok) << taken.detail << "\n" << read_all(site.log_path);
  EXPECT_NE(taken.detail.find("complete to its last line"), std::string::npos) << taken.detail;
  EXPECT_FALSE(std::filesystem::exists(backup + ".cnf")) << "the options file is removed";

  server->query("ALTER TABLE notes ADD COLUMN author VARCHAR(40)");
  server->query(
      "CREATE TABLE tags (id INT PRIMARY KEY, note INT, FOREIGN KEY (note) REFERENCES notes(id))");
  server->query("INSERT INTO notes (body) VALUES ('three')");

  const deploy::StepResult restored = restore_backup(database, backup, site);
  ASSERT_EQ(restored.outcome, StepOutcome::ok) << restored.detail << "\n"
                                               << read_all(site.log_path);
  EXPECT_NE(restored.detail.find("1 tables made after the backup dropped"), std::string::npos)
      << restored.detail;
  EXPECT_EQ(server->query("SELECT GROUP_CONCAT(body ORDER BY id) FROM notes"), "one,two\n");
  EXPECT_EQ(server->query("SELECT COUNT(*) FROM information_schema.tables WHERE "
                          "table_schema = 'app' AND table_name = 'tags'"),
            "0\n");
  const auto after = schema_of(database, site);
  ASSERT_TRUE(after.has_value());
  EXPECT_TRUE(schema_differences(*before, *after).empty());
  expect_password_nowhere(dir.path());
}

}  // namespace
}  // namespace bosun::agent
