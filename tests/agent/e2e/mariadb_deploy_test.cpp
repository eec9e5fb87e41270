// Deploys against a real MariaDB server with plain numbered SQL migrations (a migrate script
// driving the mysql client; the password only in shared/.env as MYSQL_PWD, never in a process's
// arguments), mysqldump backups and mysql restores from the manifest. MySQL's DDL is not
// transactional: a migration that fails after adding a column leaves it there at the same
// version, and the deploy must put the schema back anyway.

#include <filesystem>
#include <fstream>
#include <sstream>

#include <gtest/gtest.h>

#include "agent_fixture.hpp"
#include "deploy_sandbox.hpp"
#include "git_repo.hpp"
#include "interpreter_app.hpp"
#include "mariadb_server.hpp"
#include "secret_scan.hpp"

namespace bosun::test {
namespace {

using std::chrono::seconds;

const std::string k_password = "mariadb-app-pw-7f3e9c21";

const char* k_migrate_sh = R"sh(#!/bin/sh
# Plain numbered SQL migrations: migrations/NNN_name.up.sql and NNN_name.down.sql.
set -eu
db() { mysql --protocol=tcp -h 127.0.0.1 -P "$DB_PORT" -u app "$@" app; }
number() { n=$(basename "$1" | cut -d_ -f1 | sed 's/^0*//'); echo "${n:-0}"; }
db -e "CREATE TABLE IF NOT EXISTS schema_migrations (version INT PRIMARY KEY)"
current=$(db -N -e "SELECT COALESCE(MAX(version), 0) FROM schema_migrations")
case "$1" in
  version) echo "$current" ;;
  up)
    for file in migrations/*.up.sql; do
      n=$(number "$file")
      if [ "$n" -gt "$current" ]; then
        db < "$file"
        db -e "INSERT INTO schema_migrations VALUES ($n)"
      fi
    done ;;
  down)
    for file in $(ls migrations/*.down.sql | sort -r); do
      n=$(number "$file")
      if [ "$n" -gt "$2" ] && [ "$n" -le "$current" ]; then
        db < "$file"
        db -e "DELETE FROM schema_migrations WHERE version = $n"
      fi
    done ;;
esac
)sh";

class MariaDbDeployTest : public ::testing::Test {
 protected:
  void SetUp() override {
    agent.write_env_file("MYSQL_PWD=" + k_password + "\n");
    repo.write("migrate.sh", k_migrate_sh);
    repo.write("migrations/001_notes.up.sql",
               "CREATE TABLE notes (id INT AUTO_INCREMENT PRIMARY KEY, body VARCHAR(200));\n");
    repo.write("migrations/001_notes.down.sql", "DROP TABLE notes;\n");
  }

  // `own_backup`: the manifest's mysqldump and mysql lines; otherwise bosun's built-in ones.
  std::string commit(const std::string& version, bool own_backup = true) {
    const std::string port = std::to_string(database.port());
    const std::string backup_lines =
        own_backup
            ? "  backup: {sh: 'mysqldump --protocol=tcp -h 127.0.0.1 -P \"$DB_PORT\" -u app "
              "--single-transaction --routines --triggers app > \"$BOSUN_BACKUP_PATH\"'}\n"
              "  restore: {sh: 'mysql --protocol=tcp -h 127.0.0.1 -P \"$DB_PORT\" -u app app "
              "< \"$BOSUN_BACKUP_PATH\"'}\n"
            : "";
    repo.write("app.yaml", "app: mariadb-app\nrepo: " + repo.path() + "\nenv:\n  DB_PORT: '" +
                               port + "'\n  DATABASE_URL: 'mysql://app@127.0.0.1:" + port +
                               "/app'\ndatabase:\n  kind: mysql\n  migrate:\n"
                               "    up: [sh, migrate.sh, up]\n"
                               "    down: [sh, migrate.sh, down, '${version}']\n"
                               "    version: [sh, migrate.sh, version]\n" +
                               backup_lines + app.services_yaml() + app.verify_yaml());
    app.write_version(repo, version);
    return repo.commit_all(version);
  }

  CliRun deploy(const std::string& sha) {
    return agent.cli(
        {"deploy", "--root", agent.root(), "--commit", sha, "--who", "tester", "--json"},
        seconds(120));
  }

  std::string columns() const {
    return database.query(
        "SELECT GROUP_CONCAT(column_name ORDER BY ordinal_position) FROM "
        "information_schema.columns WHERE table_schema = 'app' AND table_name = 'notes'");
  }

  AgentSandbox agent;
  TempDir source;
  GitRepo repo{source.path() + "/app"};
  InterpreterApp app;
  MariaDbServer database{source.path(), k_password};
};

TEST_F(MariaDbDeployTest, AMigrationThatFailsAfterAddingAColumnIsUndoneFromTheBackup) {
  repo.write("migrations/002_author.up.sql", "ALTER TABLE notes ADD COLUMN author VARCHAR(80);\n");
  repo.write("migrations/002_author.down.sql", "ALTER TABLE notes DROP COLUMN author;\n");
  const std::string v1 = commit("v1");
  // v2: adds a column, then fails on its data fix-up (a table that does not exist).
  repo.write("migrations/003_flag.up.sql",
             "ALTER TABLE notes ADD COLUMN flag INT;\nUPDATE missing_table SET x = 1;\n");
  repo.write("migrations/003_flag.down.sql", "ALTER TABLE notes DROP COLUMN flag;\n");
  const std::string v2 = commit("v2");
  agent.start_agent({"--repo", repo.path(), "--host", "127.0.0.1"});

  const CliRun first = deploy(v1);
  ASSERT_EQ(first.code, 0) << first.output;
  EXPECT_NE(first.output.find("schema 0 -> 2"), std::string::npos) << first.output;
  EXPECT_EQ(app.served(), InterpreterApp::all("v1"));
  database.query("INSERT INTO notes (body, author) VALUES ('kept', 'ann')");

  const CliRun failed = deploy(v2);
  EXPECT_EQ(failed.code, 1) << failed.output;
  EXPECT_EQ(run_result(failed.output), "failed") << failed.output;
  EXPECT_EQ(failed.output.find("already at version"), std::string::npos) << failed.output;
  EXPECT_NE(failed.output.find("the database was restored from the backup"), std::string::npos)
      << failed.output;
  EXPECT_EQ(columns(), "id,body,author\n") << "the half-applied column is gone";
  EXPECT_EQ(database.query("SELECT MAX(version) FROM schema_migrations"), "2\n");
  EXPECT_EQ(database.query("SELECT CONCAT(body, '/', author) FROM notes"), "kept/ann\n");
  EXPECT_EQ(app.served(), InterpreterApp::all("v1"));
  // The password was only ever in shared/.env: not in any output, log or event.
  EXPECT_EQ(failed.output.find(k_password), std::string::npos);
  EXPECT_EQ(files_containing(agent.root(), k_password), std::vector<std::string>{});
}

// The same failure with no backup lines in the manifest: bosun's own mysqldump (the password
// from MYSQL_PWD in shared/.env, as the mysql clients take it) and its own restore.
TEST_F(MariaDbDeployTest, BuiltInBackupAndRestoreWithoutManifestLines) {
  const std::string v1 = commit("v1", /*own_backup=*/false);
  repo.write("migrations/002_flag.up.sql",
             "ALTER TABLE notes ADD COLUMN flag INT;\nUPDATE missing_table SET x = 1;\n");
  repo.write("migrations/002_flag.down.sql", "ALTER TABLE notes DROP COLUMN flag;\n");
  const std::string v2 = commit("v2", /*own_backup=*/false);
  agent.start_agent({"--repo", repo.path(), "--host", "127.0.0.1"});
  ASSERT_EQ(deploy(v1).code, 0);
  EXPECT_EQ(app.served(), InterpreterApp::all("v1"));
  database.query("INSERT INTO notes (body) VALUES ('kept')");

  const CliRun failed = deploy(v2);
  EXPECT_EQ(failed.code, 1) << failed.output;
  EXPECT_NE(failed.output.find("mysqldump of mysql://app@127.0.0.1:"), std::string::npos)
      << failed.output;
  EXPECT_NE(
      failed.output.find("the database was restored from the backup " + agent.root() + "/backups/"),
      std::string::npos)
      << failed.output;
  EXPECT_EQ(columns(), "id,body\n") << "the half-applied column is gone";
  EXPECT_EQ(database.query("SELECT body FROM notes"), "kept\n");
  EXPECT_EQ(app.served(), InterpreterApp::all("v1"));
  EXPECT_EQ(failed.output.find(k_password), std::string::npos);
}

}  // namespace
}  // namespace bosun::test
