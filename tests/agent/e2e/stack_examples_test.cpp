// The examples in examples/, deployed as their users would: the real bosun-agent, Debian's
// uvicorn, FastAPI, SQLAlchemy and alembic, and a real Postgres. v1 -> v2 (a migration adds a
// column) -> a bad v3 rolled back automatically with the schema taken down by its revision id
// -> `rollback` to v1 with every row kept -> v2 again and `rollback --db restore` from bosun's
// own pg_dump. After every step the app is asked which version it serves.

#include <filesystem>
#include <fstream>
#include <sstream>

#include <gtest/gtest.h>

#include "agent_fixture.hpp"
#include "deploy_sandbox.hpp"
#include "http_client.hpp"
#include "postgres_server.hpp"
#include "stack_example.hpp"

namespace bosun::test {
namespace {

using std::chrono::seconds;

const std::string k_password = "notes-db-pw-5c0e7a";
const std::string k_notes = "a1f3c9e2b7d4";
const std::string k_author = "c5d2e8f1a093";
const std::string k_tags = "e7b9d1f3a5c7";

class FastApiPostgresStack : public ::testing::Test {
 protected:
  void SetUp() override { agent.write_env_file("DATABASE_URL=" + database.url() + "\n"); }

  CliRun agent_cli(std::vector<std::string> args) {
    const bool run = args.front() == "deploy" || args.front() == "rollback";
    args.insert(args.begin() + 1, {"--root", agent.root(), "--json"});
    if (run) {
      args.insert(args.end(), {"--who", "tester"});
    }
    return agent.cli(args, seconds(180));
  }

  // What the api answers on /version ("" when it does not answer).
  std::string serving() {
    const HttpResult reply = http(example.port(8000), "GET", "/version");
    return reply.status == 200 ? reply.json()->getValue<std::string>("version") : "";
  }
  void add_notes(const std::vector<std::string>& bodies) {
    for (const std::string& body : bodies) {
      const HttpResult reply =
          http(example.port(8000), "POST", "/notes", "{\"body\": \"" + body + "\"}");
      ASSERT_EQ(reply.status, 201) << reply.body;
    }
  }
  // "count:md5" of every note's id and body, read straight from Postgres.
  std::string notes_fingerprint() const {
    return database.query(
        "SELECT count(*) || ':' || md5(coalesce(string_agg(id || '/' || body, ',' ORDER BY id),"
        " '')) FROM notes");
  }
  std::string revision() const { return database.query("SELECT version_num FROM alembic_version"); }
  std::string columns() const {
    return database.query(
        "SELECT string_agg(column_name, ',' ORDER BY ordinal_position) FROM "
        "information_schema.columns WHERE table_name = 'notes'");
  }
  void expect_password_only_in_env_file(const std::string& output) const {
    EXPECT_EQ(output.find(k_password), std::string::npos);
    for (const auto& entry : std::filesystem::recursive_directory_iterator(agent.root())) {
      if (entry.is_regular_file() && entry.path().filename() != ".env") {
        std::ifstream in(entry.path());
        std::ostringstream text;
        text << in.rdbuf();
        EXPECT_EQ(text.str().find(k_password), std::string::npos) << entry.path();
      }
    }
  }

  PostgresServer database{k_password};
  AgentSandbox agent;
  TempDir source;
  StackExample example{"fastapi-postgres", source.path() + "/notes-api"};
};

TEST_F(FastApiPostgresStack, DeploysRollsBackByRevisionKeepsEveryRowAndRestoresWhenAsked) {
  const std::string v1 = example.commit("v1");
  const std::string v2 = example.commit("v2");
  const std::string v3 = example.commit("v3");
  agent.start_agent({"--repo", example.repo().path(), "--host", "127.0.0.1"});

  const CliRun first = agent_cli({"deploy", "--commit", v1});
  ASSERT_EQ(first.code, 0) << first.output;
  EXPECT_EQ(serving(), "v1");
  EXPECT_EQ(revision(), k_notes + "\n");
  add_notes({"one", "two", "three"});

  const CliRun second = agent_cli({"deploy", "--commit", v2});
  ASSERT_EQ(second.code, 0) << second.output;
  EXPECT_NE(second.output.find("pg_dump of postgresql://app@127.0.0.1"), std::string::npos)
      << second.output;
  EXPECT_NE(second.output.find("sha256"), std::string::npos) << second.output;
  EXPECT_EQ(serving(), "v2");
  EXPECT_EQ(revision(), k_author + "\n");
  EXPECT_EQ(columns(), "id,body,author\n");
  add_notes({"four", "five"});
  const std::string rows = notes_fingerprint();
  EXPECT_EQ(rows.substr(0, 2), "5:");

  // v3 migrates to k_tags, then its api does not start: back to v2 by alembic downgrade.
  const CliRun bad = agent_cli({"deploy", "--commit", v3});
  EXPECT_EQ(bad.code, 1) << bad.output;
  EXPECT_EQ(run_result(bad.output), "rolled-back") << bad.output;
  EXPECT_NE(bad.output.find("migrated down from " + k_tags + " to " + k_author), std::string::npos)
      << bad.output;
  EXPECT_EQ(bad.output.find("restored from the backup"), std::string::npos) << bad.output;
  EXPECT_EQ(serving(), "v2");
  EXPECT_EQ(revision(), k_author + "\n");
  EXPECT_EQ(database.query("SELECT count(*) FROM pg_tables WHERE tablename = 'tags'"), "0\n");
  EXPECT_EQ(notes_fingerprint(), rows);

  // During an incident: back to v1, down to its revision, every row kept.
  const CliRun back = agent_cli({"rollback"});
  ASSERT_EQ(back.code, 0) << back.output;
  EXPECT_EQ(serving(), "v1");
  EXPECT_EQ(revision(), k_notes + "\n");
  EXPECT_EQ(columns(), "id,body\n");
  EXPECT_EQ(notes_fingerprint(), rows);

  // v2 again, a note written after its backup, then a restore asked for: the note is gone,
  // and the run says so.
  const CliRun again = agent_cli({"deploy", "--commit", v2});
  ASSERT_EQ(again.code, 0) << again.output;
  EXPECT_EQ(serving(), "v2");
  add_notes({"written after the backup"});
  const CliRun restored = agent_cli({"rollback", "--db", "restore"});
  ASSERT_EQ(restored.code, 0) << restored.output;
  EXPECT_NE(restored.output.find("the database was restored from the backup " + agent.root() +
                                 "/backups/"),
            std::string::npos)
      << restored.output;
  EXPECT_NE(restored.output.find(".dump"), std::string::npos) << restored.output;
  EXPECT_EQ(serving(), "v1");
  EXPECT_EQ(revision(), k_notes + "\n");
  EXPECT_EQ(notes_fingerprint(), rows) << again.output << restored.output;

  // The seeds' "Can't locate revision": the database names a revision v2 does not have. The
  // deploy stops at preflight, before anything changes.
  database.query("UPDATE alembic_version SET version_num = '0badc0ffee00'");
  const CliRun blocked = agent_cli({"deploy", "--commit", v2});
  EXPECT_EQ(blocked.code, 1) << blocked.output;
  EXPECT_NE(blocked.output.find("Can't locate revision"), std::string::npos) << blocked.output;
  EXPECT_NE(blocked.output.find("0badc0ffee00"), std::string::npos) << blocked.output;
  EXPECT_EQ(serving(), "v1");
  EXPECT_EQ(notes_fingerprint(), rows);
  expect_password_only_in_env_file(first.output + second.output + bad.output + back.output +
                                   restored.output + blocked.output);
}

}  // namespace
}  // namespace bosun::test
