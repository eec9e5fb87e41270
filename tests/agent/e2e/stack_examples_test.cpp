// The examples in examples/, deployed as their users would: the real bosun-agent, Debian's
// uvicorn, gunicorn, FastAPI, Flask, SQLAlchemy and alembic, a real Postgres and a real
// MariaDB. v1 -> v2 (a migration adds a column) -> a bad v3 rolled back automatically with the
// schema taken down by its revision id -> `rollback` to v1 with every row kept -> v2 again and
// `rollback --db restore` from bosun's own dump -> a database at a revision the release lacks
// stopped at preflight. After every step the app is asked which version it serves.

#include <filesystem>
#include <functional>
#include <memory>
#include <sstream>

#include <gtest/gtest.h>

#include "agent_fixture.hpp"
#include "bosun/controller/bosun_cli.hpp"
#include "deploy_sandbox.hpp"
#include "http_client.hpp"
#include "mariadb_server.hpp"
#include "postgres_server.hpp"
#include "secret_scan.hpp"
#include "stack_example.hpp"

namespace bosun::test {
namespace {

using std::chrono::seconds;

const std::string k_password = "stack-db-pw-5c0e7a";

// A database server of the test's own, as the stack test uses it.
struct TestDatabase {
  virtual ~TestDatabase() = default;
  virtual std::string url() const = 0;  // with the password, for shared/.env
  virtual std::string query(const std::string& sql) const = 0;
  // "count:md5" of every row's id and `column`.
  virtual std::string fingerprint(const std::string& table, const std::string& column) const = 0;
  virtual std::string columns(const std::string& table) const = 0;
};

struct Postgres final : TestDatabase {
  PostgresServer server{k_password};
  std::string url() const override { return server.url(); }
  std::string query(const std::string& sql) const override { return server.query(sql); }
  std::string fingerprint(const std::string& table, const std::string& column) const override {
    return query("SELECT count(*) || ':' || md5(coalesce(string_agg(id || '/' || " + column +
                 ", ',' ORDER BY id), '')) FROM " + table);
  }
  std::string columns(const std::string& table) const override {
    return query(
        "SELECT string_agg(column_name, ',' ORDER BY ordinal_position) FROM "
        "information_schema.columns WHERE table_name = '" +
        table + "'");
  }
};

struct MariaDb final : TestDatabase {
  explicit MariaDb(const std::string& dir) : server(dir, k_password) {}
  MariaDbServer server;
  std::string url() const override {
    return "mysql+pymysql://app:" + k_password + "@127.0.0.1:" + std::to_string(server.port()) +
           "/app";
  }
  std::string query(const std::string& sql) const override { return server.query(sql); }
  std::string fingerprint(const std::string& table, const std::string& column) const override {
    return query("SELECT CONCAT(COUNT(*), ':', MD5(COALESCE(GROUP_CONCAT(CONCAT(id, '/', " +
                 column + ") ORDER BY id), ''))) FROM " + table);
  }
  std::string columns(const std::string& table) const override {
    return query(
        "SELECT GROUP_CONCAT(column_name ORDER BY ordinal_position) FROM "
        "information_schema.columns WHERE table_schema = 'app' AND table_name = '" +
        table + "'");
  }
};

struct StackCase {
  std::string name;
  std::string example;
  std::function<std::unique_ptr<TestDatabase>(const std::string& dir)> database;
  std::string table;  // what the API writes: POST /<table> {"<column>": ...}
  std::string column;
  std::string revisions[3];  // v1, v2, v3
  std::string added_column;  // by v2
  std::string v3_table;      // made by v3's migration
  std::string dump;          // how the built-in backup names itself
  std::string built{};       // what the build step says it did ("" when nothing to check)
  std::string rebuilt{};     // ... in v2's deploy
  // The schema version as the migration tool records it; alembic's by default.
  std::string revision_sql = "SELECT version_num FROM alembic_version";
  bool alembic = true;  // the "Can't locate revision" gap applies
};

class StackExamples : public ::testing::TestWithParam<StackCase> {
 protected:
  void SetUp() override { agent.write_env_file("DATABASE_URL=" + database->url() + "\n"); }

  CliRun agent_cli(std::vector<std::string> args) {
    const bool run = args.front() == "deploy" || args.front() == "rollback";
    args.insert(args.begin() + 1, {"--root", agent.root(), "--json"});
    if (run) {
      args.insert(args.end(), {"--who", "tester"});
    }
    return agent.cli(args, seconds(180));
  }
  // What the app answers on /version ("" when it does not answer).
  std::string serving() {
    const HttpResult reply = http(example.port(8000), "GET", "/version");
    return reply.status == 200 ? reply.json()->getValue<std::string>("version") : "";
  }
  void add_rows(const std::vector<std::string>& values) {
    for (const std::string& value : values) {
      const HttpResult reply = http(example.port(8000), "POST", "/" + GetParam().table,
                                    "{\"" + GetParam().column + "\": \"" + value + "\"}");
      ASSERT_EQ(reply.status, 201) << reply.body;
    }
  }
  std::string rows() const { return database->fingerprint(GetParam().table, GetParam().column); }
  std::string revision() const { return database->query(GetParam().revision_sql); }
  std::string columns() const { return database->columns(GetParam().table); }
  bool has_table(const std::string& name) const {
    return database->query("SELECT COUNT(*) FROM information_schema.tables WHERE table_name = '" +
                           name + "'") != "0\n";
  }
  void expect_password_only_in_env_file(const std::string& output) const {
    EXPECT_EQ(output.find(k_password), std::string::npos);
    EXPECT_EQ(files_containing(agent.root(), k_password), std::vector<std::string>{});
  }

  TempDir source;
  std::unique_ptr<TestDatabase> database = GetParam().database(source.path());
  AgentSandbox agent;
  StackExample example{GetParam().example, source.path() + "/" + GetParam().example};
};

TEST_P(StackExamples, DeploysRollsBackByRevisionKeepsEveryRowAndRestoresWhenAsked) {
  const StackCase& stack = GetParam();
  const std::string v1 = example.commit("v1");
  const std::string v2 = example.commit("v2");
  const std::string v3 = example.commit("v3");
  agent.start_agent({"--repo", example.repo().path(), "--host", "127.0.0.1"});

  const CliRun first = agent_cli({"deploy", "--commit", v1});
  ASSERT_EQ(first.code, 0) << first.output;
  EXPECT_NE(first.output.find(stack.built), std::string::npos) << first.output;
  EXPECT_EQ(serving(), "v1");
  EXPECT_EQ(revision(), stack.revisions[0] + "\n");
  add_rows({"one", "two", "three"});

  const CliRun second = agent_cli({"deploy", "--commit", v2});
  ASSERT_EQ(second.code, 0) << second.output;
  EXPECT_NE(second.output.find(stack.dump), std::string::npos) << second.output;
  EXPECT_NE(second.output.find(stack.rebuilt), std::string::npos) << second.output;
  EXPECT_NE(second.output.find("sha256"), std::string::npos) << second.output;
  EXPECT_EQ(serving(), "v2");
  EXPECT_EQ(revision(), stack.revisions[1] + "\n");
  EXPECT_EQ(columns(), "id," + stack.column + "," + stack.added_column + "\n");
  add_rows({"four", "five"});
  const std::string kept = rows();
  EXPECT_EQ(kept.substr(0, 2), "5:");

  // v3 migrates, then its app does not start: back to v2 by alembic downgrade.
  const CliRun bad = agent_cli({"deploy", "--commit", v3});
  EXPECT_EQ(bad.code, 1) << bad.output;
  EXPECT_EQ(run_result(bad.output), "rolled-back") << bad.output;
  EXPECT_NE(
      bad.output.find("migrated down from " + stack.revisions[2] + " to " + stack.revisions[1]),
      std::string::npos)
      << bad.output;
  EXPECT_EQ(bad.output.find("restored from the backup"), std::string::npos) << bad.output;
  EXPECT_EQ(serving(), "v2");
  EXPECT_EQ(revision(), stack.revisions[1] + "\n");
  EXPECT_FALSE(has_table(stack.v3_table));
  EXPECT_EQ(rows(), kept);

  // During an incident: back to v1, down to its revision, every row kept.
  const CliRun back = agent_cli({"rollback"});
  ASSERT_EQ(back.code, 0) << back.output;
  EXPECT_EQ(serving(), "v1");
  EXPECT_EQ(revision(), stack.revisions[0] + "\n");
  EXPECT_EQ(columns(), "id," + stack.column + "\n");
  EXPECT_EQ(rows(), kept);

  // v2 again, a row written after its backup, then a restore asked for: the row is gone, and
  // the run says so.
  const CliRun again = agent_cli({"deploy", "--commit", v2});
  ASSERT_EQ(again.code, 0) << again.output;
  EXPECT_EQ(serving(), "v2");
  add_rows({"written after the backup"});
  const CliRun restored = agent_cli({"rollback", "--db", "restore"});
  ASSERT_EQ(restored.code, 0) << restored.output;
  EXPECT_NE(restored.output.find("the database was restored from the backup " + agent.root() +
                                 "/backups/"),
            std::string::npos)
      << restored.output;
  EXPECT_EQ(serving(), "v1");
  EXPECT_EQ(revision(), stack.revisions[0] + "\n");
  EXPECT_EQ(rows(), kept) << again.output << restored.output;

  expect_password_only_in_env_file(first.output + second.output + bad.output + back.output +
                                   restored.output);
  if (!stack.alembic) {
    return;
  }
  // The seeds' "Can't locate revision": the database names a revision v2 does not have. The
  // deploy stops at preflight, before anything changes.
  database->query("UPDATE alembic_version SET version_num = '0badc0ffee00'");
  const CliRun blocked = agent_cli({"deploy", "--commit", v2});
  EXPECT_EQ(blocked.code, 1) << blocked.output;
  EXPECT_NE(blocked.output.find("Can't locate revision"), std::string::npos) << blocked.output;
  EXPECT_NE(blocked.output.find("0badc0ffee00"), std::string::npos) << blocked.output;
  EXPECT_EQ(serving(), "v1");
  EXPECT_EQ(rows(), kept);
  expect_password_only_in_env_file(blocked.output);
}

INSTANTIATE_TEST_SUITE_P(
    Examples, StackExamples,
    ::testing::Values(StackCase{"FastApiUvicornPostgres",
                                "fastapi-postgres",
                                [](const std::string&) { return std::make_unique<Postgres>(); },
                                "notes",
                                "body",
                                {"a1f3c9e2b7d4", "c5d2e8f1a093", "e7b9d1f3a5c7"},
                                "author",
                                "tags",
                                "pg_dump of postgresql://app@127.0.0.1"},
                      StackCase{
                          "FlaskGunicornMariaDb",
                          "flask-mariadb",
                          [](const std::string& dir) { return std::make_unique<MariaDb>(dir); },
                          "orders",
                          "item",
                          {"3b8f2a6c9d01", "7c1d4e9f2a35", "9e4a7b2c5d18"},
                          "customer",
                          "refunds",
                          "mysqldump of mysql+pymysql://app@127.0.0.1",
                          "python venv .venv, pip install -r requirements.txt"},
                      StackCase{"ExpressKnexPostgres",
                                "express-postgres",
                                [](const std::string&) { return std::make_unique<Postgres>(); },
                                "items",
                                "name",
                                {"20240101000000", "20240201000000", "20240301000000"},
                                "owner",
                                "labels",
                                "pg_dump of postgresql://app@127.0.0.1",
                                "npm ci (no live release",
                                "node_modules reused from",
                                "SELECT coalesce(max(left(name, 14)), '') FROM knex_migrations",
                                false}),
    [](const ::testing::TestParamInfo<StackCase>& param) { return param.param.name; });

// Next.js from the npm registry: npm ci and next build on v1; on v2 (the lockfile unchanged)
// node_modules linked from v1, only next build runs; a v3 that does not compile fails at build
// with v2 still serving; rollback to v1 runs no build at all.
TEST(NextJsStack, BuildsOncePerReleaseReusesNodeModulesAndRollsBack) {
  AgentSandbox agent;
  TempDir source;
  StackExample example{"nextjs", source.path() + "/storefront"};
  const std::string v1 = example.commit("v1");
  const std::string v2 = example.commit("v2");
  const std::string v3 = example.commit("v3");
  agent.start_agent({"--repo", example.repo().path(), "--host", "127.0.0.1"});
  const auto deploy = [&](const std::vector<std::string>& args) {
    std::vector<std::string> full = args;
    full.insert(full.begin() + 1, {"--root", agent.root(), "--json"});
    full.insert(full.end(), {"--who", "tester"});
    return agent.cli(full, seconds(600));
  };
  const auto serving = [&] {
    const HttpResult reply = http(example.port(3000), "GET", "/api/version");
    return reply.status == 200 ? reply.json()->getValue<std::string>("version") : "";
  };

  const CliRun first = deploy({"deploy", "--commit", v1});
  ASSERT_EQ(first.code, 0) << first.output;
  EXPECT_NE(first.output.find("npm ci (no live release"), std::string::npos) << first.output;
  EXPECT_EQ(serving(), "v1");
  const HttpResult page = http(example.port(3000), "GET", "/");
  EXPECT_NE(page.body.find("release v1"), std::string::npos) << page.body;

  const CliRun second = deploy({"deploy", "--commit", v2});
  ASSERT_EQ(second.code, 0) << second.output;
  EXPECT_NE(second.output.find("node_modules reused from"), std::string::npos) << second.output;
  EXPECT_EQ(second.output.find("npm ci"), std::string::npos) << second.output;
  EXPECT_EQ(serving(), "v2");

  const CliRun bad = deploy({"deploy", "--commit", v3});
  EXPECT_EQ(bad.code, 1) << bad.output;
  EXPECT_NE(bad.output.find("build command `node_modules/.bin/next build`"), std::string::npos)
      << bad.output;
  EXPECT_EQ(serving(), "v2");

  const CliRun back = deploy({"rollback"});
  ASSERT_EQ(back.code, 0) << back.output;
  EXPECT_EQ(serving(), "v1");
}

// `bosun init` in each example's repository with its app.yaml removed: the manifest it writes
// passes `bosun manifest check` and, where this machine has what it installs, deploys as
// written and serves. (FastAPI's venv needs PyPI: Debian's fastapi 0.92 declares a starlette
// older than Debian's own, so pip would download one; that manifest is only checked here.)
struct InitCase {
  std::string name;
  std::string example;
  unsigned short written_port;
  std::string version_path;  // "" when the app is not deployed here
  bool mysql = false;
};

class InitOnExamples : public ::testing::TestWithParam<InitCase> {};

TEST_P(InitOnExamples, WritesAManifestThatChecksAndDeploys) {
  const InitCase& init = GetParam();
  TempDir source;
  StackExample example{init.example, source.path() + "/" + init.example};
  example.commit("v1");
  const std::string repo = example.repo().path();
  std::filesystem::remove(repo + "/app.yaml");
  std::ostringstream out;
  std::ostringstream err;
  ASSERT_EQ(controller::run_bosun({"init", "--dir", repo, "--repo", repo, "--port",
                                   std::to_string(example.port(init.written_port))},
                                  out, err),
            0)
      << err.str();
  EXPECT_NE(out.str().find("found a"), std::string::npos) << out.str();
  std::ostringstream checked;
  ASSERT_EQ(controller::run_bosun({"manifest", "check", "-c", repo + "/app.yaml"}, checked, err), 0)
      << err.str();
  if (init.version_path.empty()) {
    return;
  }
  std::unique_ptr<TestDatabase> database;
  AgentSandbox agent;
  if (init.mysql) {
    database = std::make_unique<MariaDb>(source.path());
  } else if (init.example == "express-postgres") {
    database = std::make_unique<Postgres>();
  }
  if (database) {
    agent.write_env_file("DATABASE_URL=" + database->url() + "\n");
  }
  const std::string commit = example.repo().commit_all("bosun init");
  agent.start_agent({"--repo", repo, "--host", "127.0.0.1"});
  const CliRun deployed =
      agent.cli({"deploy", "--root", agent.root(), "--commit", commit, "--who", "tester", "--json"},
                seconds(600));
  ASSERT_EQ(deployed.code, 0) << deployed.output << "\n" << checked.str();
  const HttpResult reply = http(example.port(init.written_port), "GET", init.version_path);
  ASSERT_EQ(reply.status, 200) << reply.body;
  EXPECT_EQ(reply.json()->getValue<std::string>("version"), "v1");
}

INSTANTIATE_TEST_SUITE_P(
    Examples, InitOnExamples,
    ::testing::Values(InitCase{"FastApi", "fastapi-postgres", 8000, ""},
                      InitCase{"Flask", "flask-mariadb", 8000, "/version", true},
                      InitCase{"Express", "express-postgres", 8000, "/version"},
                      InitCase{"NextJs", "nextjs", 3000, "/api/version"}),
    [](const ::testing::TestParamInfo<InitCase>& param) { return param.param.name; });

}  // namespace
}  // namespace bosun::test
