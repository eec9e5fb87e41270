// Deploys and rollbacks of an app whose schema is managed by real alembic (Debian's
// python3-alembic) on SQLite: revision ids are text (a1f3c9e2b7d4 is not "1"), a bad release
// is rolled back by `alembic downgrade <rev>` with every row kept, a manual rollback goes
// down to the older revision, and a migration that fails half way (alembic on SQLite does
// not wrap DDL in a transaction) is undone and proven undone.

#include <filesystem>

#include <gtest/gtest.h>

#include "agent_fixture.hpp"
#include "deploy_sandbox.hpp"
#include "git_repo.hpp"
#include "interpreter_app.hpp"
#include "sqlite_file.hpp"

namespace bosun::test {
namespace {

namespace fs = std::filesystem;
using std::chrono::seconds;

const char* k_env_py = R"(import os
from alembic import context
from sqlalchemy import create_engine

engine = create_engine(os.environ["DATABASE_URL"])
with engine.connect() as connection:
    context.configure(connection=connection)
    with context.begin_transaction():
        context.run_migrations()
)";

std::string revision(const std::string& id, const std::string& down, const std::string& upgrade,
                     const std::string& downgrade) {
  return "import sqlalchemy as sa\nfrom alembic import op\n\nrevision = \"" + id +
         "\"\ndown_revision = " + (down.empty() ? std::string("None") : "\"" + down + "\"") +
         "\n\n\ndef upgrade():\n    " + upgrade + "\n\n\ndef downgrade():\n    " + downgrade + "\n";
}

const std::string k_notes = "a1f3c9e2b7d4";
const std::string k_author = "c5d2e8f1a093";
const std::string k_tags = "e7b9d1f3a5c7";
const std::string k_flag = "f0a2b4c6d8e0";

class AlembicDeployTest : public ::testing::Test {
 protected:
  void SetUp() override {
    repo.write("alembic.ini", "[alembic]\nscript_location = migrations\n");
    repo.write("migrations/env.py", k_env_py);
    repo.write("migrations/versions/" + k_notes + "_notes.py",
               revision(k_notes, "",
                        "op.create_table(\"notes\", sa.Column(\"id\", sa.Integer, "
                        "primary_key=True), sa.Column(\"body\", sa.String(200)))",
                        "op.drop_table(\"notes\")"));
  }

  std::string manifest() const {
    return "app: alembic-app\nrepo: " + repo.path() +
           "\nkeep_releases: 5\nshared: [data]\n"
           "env:\n  DATABASE_URL: sqlite:///${shared}/data/app.db\n"
           "database:\n  kind: sqlite\n  path: ${shared}/data/app.db\n  migrate:\n"
           "    up: [/usr/bin/python3, -m, alembic, upgrade, head]\n"
           "    down: [/usr/bin/python3, -m, alembic, downgrade, '${version}']\n"
           "    version: [/usr/bin/python3, -m, alembic, current]\n"
           "    base: base\n" +
           app.services_yaml() + app.verify_yaml();
  }

  std::string commit(const std::string& version, bool bad = false) {
    repo.write("app.yaml", manifest());
    app.write_version(repo, version, bad);
    return repo.commit_all(version);
  }

  void add_revision(const std::string& id, const std::string& down, const std::string& upgrade,
                    const std::string& downgrade) const {
    repo.write("migrations/versions/" + id + "_rev.py", revision(id, down, upgrade, downgrade));
  }

  CliRun agent_cli(std::vector<std::string> args) {
    const bool run = args.front() == "deploy" || args.front() == "rollback";
    args.insert(args.begin() + 1, {"--root", agent.root(), "--json"});
    if (run) {
      args.insert(args.end(), {"--who", "tester"});
    }
    return agent.cli(args, seconds(120));
  }

  std::string database() const { return agent.root() + "/shared/data/app.db"; }
  std::string query(const std::string& sql) const { return sqlite_query(database(), sql); }
  void write(const std::string& sql) const { sqlite_exec(database(), sql); }

  std::string revision_now() const { return query("SELECT version_num FROM alembic_version"); }
  std::string columns() const { return query("SELECT name FROM pragma_table_info('notes')"); }

  AgentSandbox agent;
  TempDir source;
  GitRepo repo{source.path() + "/app"};
  InterpreterApp app;
};

TEST_F(AlembicDeployTest, RevisionIdsAreTextRollbacksGoDownKeepingEveryRow) {
  const std::string v1 = commit("v1");
  add_revision(k_author, k_notes, "op.add_column(\"notes\", sa.Column(\"author\", sa.String(80)))",
               "with op.batch_alter_table(\"notes\") as batch:\n        "
               "batch.drop_column(\"author\")");
  const std::string v2 = commit("v2");
  add_revision(k_tags, k_author, "op.create_table(\"tags\", sa.Column(\"id\", sa.Integer))",
               "op.drop_table(\"tags\")");
  const std::string v3 = commit("v3", /*bad=*/true);
  agent.start_agent({"--repo", repo.path(), "--host", "127.0.0.1"});

  const CliRun first = agent_cli({"deploy", "--commit", v1});
  ASSERT_EQ(first.code, 0) << first.output;
  EXPECT_NE(first.output.find("schema base (before the first migration) -> " + k_notes),
            std::string::npos)
      << first.output;
  EXPECT_EQ(app.served(), InterpreterApp::all("v1"));
  write("INSERT INTO notes (body) VALUES ('one'), ('two'), ('three')");

  const CliRun second = agent_cli({"deploy", "--commit", v2});
  ASSERT_EQ(second.code, 0) << second.output;
  EXPECT_NE(second.output.find("schema " + k_notes + " -> " + k_author), std::string::npos)
      << second.output;
  EXPECT_EQ(app.served(), InterpreterApp::all("v2"));
  write("INSERT INTO notes (body, author) VALUES ('four', 'ann'), ('five', 'bob')");

  // v3 migrates to k_tags, then its server dies at start: rolled back by downgrade.
  const CliRun bad = agent_cli({"deploy", "--commit", v3});
  EXPECT_EQ(bad.code, 1) << bad.output;
  EXPECT_EQ(run_result(bad.output), "rolled-back") << bad.output;
  EXPECT_NE(bad.output.find("migrated down from " + k_tags + " to " + k_author), std::string::npos)
      << bad.output;
  EXPECT_EQ(bad.output.find("restored from the backup"), std::string::npos) << bad.output;
  EXPECT_EQ(revision_now(), k_author);
  EXPECT_EQ(query("SELECT count(*) FROM sqlite_master WHERE name = 'tags'"), "0");
  EXPECT_EQ(query("SELECT group_concat(body) FROM notes"), "one,two,three,four,five");
  EXPECT_EQ(app.served(), InterpreterApp::all("v2"));

  const CliRun releases = agent_cli({"releases"});
  EXPECT_NE(releases.output.find("\"schema_version\":\"" + k_author + "\""), std::string::npos)
      << releases.output;

  // During an incident: back to v1, down to its revision, every row kept.
  const CliRun back = agent_cli({"rollback"});
  ASSERT_EQ(back.code, 0) << back.output;
  EXPECT_EQ(revision_now(), k_notes);
  EXPECT_EQ(columns(), "id,body");
  EXPECT_EQ(query("SELECT group_concat(body) FROM notes"), "one,two,three,four,five");
  EXPECT_EQ(app.served(), InterpreterApp::all("v1"));
}

TEST_F(AlembicDeployTest, AMigrationThatFailsHalfWayIsUndoneAndProvenUndone) {
  const std::string v1 = commit("v1");
  // Adds a column, then fails: alembic_version stays at k_notes, the column stays too.
  add_revision(k_flag, k_notes,
               "op.add_column(\"notes\", sa.Column(\"flag\", sa.Integer))\n    "
               "raise RuntimeError(\"the data fix-up failed\")",
               "op.drop_column(\"notes\", \"flag\")");
  const std::string v2 = commit("v2");
  agent.start_agent({"--repo", repo.path(), "--host", "127.0.0.1"});
  ASSERT_EQ(agent_cli({"deploy", "--commit", v1}).code, 0);
  write("INSERT INTO notes (body) VALUES ('kept')");

  const CliRun failed = agent_cli({"deploy", "--commit", v2});
  EXPECT_EQ(failed.code, 1) << failed.output;
  EXPECT_EQ(run_result(failed.output), "failed") << failed.output;
  EXPECT_EQ(failed.output.find("already at version"), std::string::npos) << failed.output;
  EXPECT_NE(failed.output.find("the failed migration left changes at version " + k_notes +
                               ": changed table notes"),
            std::string::npos)
      << failed.output;
  // The run says what the restore cost, and the release list keeps saying it.
  EXPECT_NE(failed.output.find("the database was restored from the backup"), std::string::npos)
      << failed.output;
  EXPECT_NE(failed.output.find("everything written after it is gone"), std::string::npos)
      << failed.output;
  EXPECT_EQ(revision_now(), k_notes);
  EXPECT_EQ(columns(), "id,body");
  EXPECT_EQ(query("SELECT group_concat(body) FROM notes"), "kept");
  EXPECT_EQ(app.served(), InterpreterApp::all("v1"));
  const CliRun releases = agent_cli({"releases"});
  EXPECT_NE(releases.output.find("\"restored_backup\":\"the database was restored"),
            std::string::npos)
      << releases.output;
}

// A down script that fails: the rollback can only come back by restoring the backup, and that
// is never a plain success: the run, the release list and the history say what it cost.
TEST_F(AlembicDeployTest, ARestoreThatReplacesAFailedDownSaysWhatItCost) {
  const std::string v1 = commit("v1");
  add_revision(k_tags, k_notes, "op.create_table(\"tags\", sa.Column(\"id\", sa.Integer))",
               "raise RuntimeError(\"this downgrade was never written\")");
  const std::string v2 = commit("v2", /*bad=*/true);
  agent.start_agent({"--repo", repo.path(), "--host", "127.0.0.1"});
  ASSERT_EQ(agent_cli({"deploy", "--commit", v1}).code, 0);
  write("INSERT INTO notes (body) VALUES ('before the backup')");

  const CliRun bad = agent_cli({"deploy", "--commit", v2});
  EXPECT_EQ(bad.code, 1) << bad.output;
  EXPECT_EQ(run_result(bad.output), "rolled-back") << bad.output;
  EXPECT_NE(bad.output.find("migrate down exited with code 1"), std::string::npos) << bad.output;
  const auto finished = parse_events(bad.output).back();
  const std::string reason = finished->getValue<std::string>("message");
  EXPECT_NE(reason.find("the database was restored from the backup " + agent.root() + "/backups/"),
            std::string::npos)
      << reason;
  EXPECT_NE(reason.find("UTC"), std::string::npos) << "when it was taken: " << reason;
  EXPECT_NE(reason.find("everything written after it is gone"), std::string::npos) << reason;
  // ... and says it in a field of its own, for the controller's history.
  EXPECT_NE(finished->optValue<std::string>("restored_backup", "").find("restored from the backup"),
            std::string::npos)
      << bad.output;
  EXPECT_EQ(revision_now(), k_notes);
  EXPECT_EQ(query("SELECT count(*) FROM sqlite_master WHERE name = 'tags'"), "0");
  EXPECT_EQ(query("SELECT group_concat(body) FROM notes"), "before the backup");
  EXPECT_EQ(app.served(), InterpreterApp::all("v1"));
  const CliRun releases = agent.cli({"releases", "--root", agent.root()});
  EXPECT_NE(releases.output.find("the database was restored from the backup"), std::string::npos)
      << releases.output;
  const CliRun history = agent.cli({"history", "--root", agent.root()});
  EXPECT_NE(history.output.find("the database was restored from the backup"), std::string::npos)
      << history.output;
}

}  // namespace
}  // namespace bosun::test
