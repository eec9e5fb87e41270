// The app's database server run by the agent as one of the app's services, as on the seeds'
// single VM: `bosun-agent database-server` initialises ${shared}/<engine> on the first start
// with the role, password and database of the app's DATABASE_URL, then becomes postgres or
// mariadbd; readiness is a connection with that URL. A second deploy keeps the data. With
// `database.service`, the very first deploy of a FastAPI or Flask example starts the server
// before its backup and alembic migrate; a first deploy that fails stops it again.

#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include <gtest/gtest.h>

#include "agent_fixture.hpp"
#include "bosun/checks/sql_connection.hpp"
#include "deploy_sandbox.hpp"
#include "git_repo.hpp"
#include "http_client.hpp"
#include "secret_scan.hpp"
#include "stack_example.hpp"

namespace bosun::test {
namespace {

using std::chrono::seconds;

const std::string k_password = "served-db-pw-61a9";

struct ServerCase {
  std::string name;
  std::string engine;  // postgres | mysql
  std::string scheme;
  std::string example;      // of examples/, on this engine
  std::string app_service;  // its web service
  std::string revision_v1;  // alembic's, after v1's and v2's migrate
  std::string revision_v2;
};

class DatabaseServerService : public ::testing::TestWithParam<ServerCase> {
 protected:
  void SetUp() override {
    // As root, postgres runs as the postgres user: it must reach the sandbox and own its
    // data folder, as `install -d -o postgres -m 700` would leave it on a host.
    ::chmod(agent.root().c_str(), 0755);
    std::filesystem::create_directories(agent.root() + "/shared/" + GetParam().engine);
    if (::geteuid() == 0 && GetParam().engine == "postgres") {
      ASSERT_EQ(::system(("chown postgres: " + agent.root() + "/shared/postgres").c_str()), 0);
      ::chmod((agent.root() + "/shared").c_str(), 0755);
    }
    url = GetParam().scheme + "://shop:" + k_password + "@127.0.0.1:" + std::to_string(port) +
          "/shop";
    agent.write_env_file("DATABASE_URL=" + url + "\n");
    ::chmod((agent.root() + "/shared/.env").c_str(), 0644);  // read by the postgres user too
  }

  // The database server as a service, as a manifest's lines under `services:`.
  std::string db_service() const {
    const bool as_postgres = ::geteuid() == 0 && GetParam().engine == "postgres";
    return std::string("  db:\n    command: [") + BOSUN_AGENT_BIN + ", database-server, " +
           GetParam().engine + ", --data, '${shared}/" + GetParam().engine + "/data']\n" +
           "    cwd: ${shared}\n" + (as_postgres ? "    user: postgres\n" : "") + "    ready: {" +
           GetParam().engine + ": {}, timeout: 90s}\n    stop: {signal: " +
           (GetParam().engine == "postgres" ? "INT" : "TERM") + ", timeout: 30s}\n";
  }

  std::string commit(const std::string& version, const std::string& database = "") {
    repo.write("app.yaml", "app: single-vm\nrepo: " + repo.path() + "\n" + database +
                               "services:\n" + db_service() +
                               "verify:\n  window: 1s\n  checks:\n    - " + GetParam().engine +
                               ": {query: 'SELECT 1'}\n");
    repo.write("VERSION", version + "\n");
    return repo.commit_all(version);
  }

  CliRun deploy(const std::string& sha) {
    return agent.cli(
        {"deploy", "--root", agent.root(), "--commit", sha, "--who", "tester", "--json"},
        seconds(180));
  }

  std::unique_ptr<checks::SqlConnection> connect() const {
    auto connection = checks::connect_sql(*parse_database_url(url), std::chrono::seconds(5));
    EXPECT_TRUE(connection.has_value()) << connection.error().message;
    return connection ? std::move(*connection) : nullptr;
  }
  bool server_answers() const {
    return checks::connect_sql(*parse_database_url(url), std::chrono::seconds(3)).has_value();
  }
  std::string alembic_revision() const {
    auto connection = connect();
    if (!connection) {
      return "";
    }
    const auto rows = connection->query("SELECT version_num FROM alembic_version");
    return rows && rows->size() == 1 ? (*rows)[0][0].value_or("") : "";
  }

  // One of examples/ with the server as its service and `database.service: db`, its web
  // service depending on it.
  static std::string with_database_service(std::string manifest, const std::string& service,
                                           const std::string& db_service) {
    const auto insert_after = [&](const std::string& line, const std::string& text) {
      const std::size_t at = manifest.find(line);
      EXPECT_NE(at, std::string::npos) << line << " not in\n" << manifest;
      if (at != std::string::npos) {
        manifest.insert(at + line.size(), text);
      }
    };
    insert_after("\ndatabase:\n", "  service: db\n");
    insert_after("\n  " + service + ":\n", "    depends_on: [db]\n");
    insert_after("\nservices:\n", db_service);
    return manifest;
  }

  unsigned short port = free_port();
  std::string url;
  AgentSandbox agent;
  TempDir source;
  GitRepo repo{source.path() + "/app"};
};

TEST_P(DatabaseServerService, InitialisedOnFirstStartFromTheAppsUrlAndKeptAcrossDeploys) {
  const std::string v1 = commit("v1");
  const std::string v2 = commit("v2");
  agent.start_agent({"--repo", repo.path(), "--host", "127.0.0.1"});
  const CliRun first = deploy(v1);
  ASSERT_EQ(first.code, 0) << first.output << agent.agent().output();
  auto connection = connect();
  ASSERT_NE(connection, nullptr);
  ASSERT_TRUE(connection->query("CREATE TABLE kept (id INT)"));
  ASSERT_TRUE(connection->query("INSERT INTO kept VALUES (42)"));
  connection.reset();

  const CliRun second = deploy(v2);
  ASSERT_EQ(second.code, 0) << second.output;
  connection = connect();
  ASSERT_NE(connection, nullptr);
  const auto rows = connection->query("SELECT id FROM kept");
  ASSERT_TRUE(rows) << rows.error().message;
  ASSERT_EQ(rows->size(), 1U);
  EXPECT_EQ((*rows)[0][0], "42");
  connection.reset();
  // The password reached the server on stdin or a 0600 file only: in no argument or log.
  EXPECT_EQ((first.output + second.output).find(k_password), std::string::npos);
  EXPECT_EQ(files_containing(agent.root() + "/shared/logs", k_password, ".env"),
            std::vector<std::string>{});
  agent.cli({"stop-all", "--root", agent.root()}, seconds(60));
}

// The seeds' single VM on its first day: nothing runs yet, and the first deploy of a FastAPI
// (or Flask) app with alembic has a database to back up and migrate only because the server,
// one of its services, is started first, from the release being deployed.
TEST_P(DatabaseServerService, FirstDeployStartsTheServerBeforeTheBackupAndTheMigration) {
  StackExample example{GetParam().example, source.path() + "/" + GetParam().example};
  example.commit("v1");
  std::ifstream written(example.repo().path() + "/app.yaml");
  std::stringstream manifest;
  manifest << written.rdbuf();
  example.repo().write("app.yaml",
                       with_database_service(manifest.str(), GetParam().app_service, db_service()));
  const std::string v1 = example.repo().commit_all("v1, its database server as a service");
  const std::string v2 = example.commit("v2");
  agent.start_agent({"--repo", example.repo().path(), "--host", "127.0.0.1"});
  const auto serving = [&] {
    const HttpResult reply = http(example.port(8000), "GET", "/version");
    return reply.status == 200 ? reply.json()->getValue<std::string>("version") : "";
  };

  const CliRun first = deploy(v1);
  ASSERT_EQ(first.code, 0) << first.output << agent.agent().output();
  EXPECT_NE(first.output.find("started the database's service db"), std::string::npos)
      << first.output;
  EXPECT_EQ(serving(), "v1");
  EXPECT_EQ(alembic_revision(), GetParam().revision_v1);
  const int db_pid = agent.pid_of("db");
  EXPECT_GT(db_pid, 0);

  const CliRun second = deploy(v2);
  ASSERT_EQ(second.code, 0) << second.output;
  EXPECT_EQ(second.output.find("started the database's service"), std::string::npos)
      << second.output;
  EXPECT_EQ(serving(), "v2");
  EXPECT_EQ(alembic_revision(), GetParam().revision_v2);
  EXPECT_EQ(agent.pid_of("db"), db_pid) << "the server was restarted by a deploy";
  // Both deploys backed up first: the first one an empty database, all it had.
  int backups = 0;
  for (const auto& entry : std::filesystem::directory_iterator(agent.root() + "/backups")) {
    backups += entry.path().extension() == ".sha256" ? 0 : 1;
  }
  EXPECT_EQ(backups, 2);
  EXPECT_EQ((first.output + second.output).find(k_password), std::string::npos);
  agent.cli({"stop-all", "--root", agent.root()}, seconds(60));
}

// A first deploy whose migration fails leaves the host as it found it: the server it started
// for the migration is stopped again and forgotten.
TEST_P(DatabaseServerService, AFailedFirstDeployStopsTheServerItStarted) {
  const std::string v1 = commit("v1", "database:\n  kind: " + GetParam().engine +
                                          "\n  service: db\n  migrate:\n    up: [/bin/sh, -c, "
                                          "'echo no such table >&2; exit 3']\n");
  agent.start_agent({"--repo", repo.path(), "--host", "127.0.0.1"});
  const CliRun first = deploy(v1);
  EXPECT_EQ(first.code, 1) << first.output;
  EXPECT_NE(first.output.find("started the database's service db"), std::string::npos)
      << first.output;
  EXPECT_NE(first.output.find("db stopped"), std::string::npos) << first.output;
  EXPECT_THROW(agent.service("db"), std::runtime_error) << first.output;
  EXPECT_FALSE(server_answers());
}

INSTANTIATE_TEST_SUITE_P(
    Engines, DatabaseServerService,
    ::testing::Values(ServerCase{"Postgres", "postgres", "postgresql", "fastapi-postgres", "api",
                                 "a1f3c9e2b7d4", "c5d2e8f1a093"},
                      ServerCase{"MariaDb", "mysql", "mysql+pymysql", "flask-mariadb", "web",
                                 "3b8f2a6c9d01", "7c1d4e9f2a35"}),
    [](const ::testing::TestParamInfo<ServerCase>& param) { return param.param.name; });

}  // namespace
}  // namespace bosun::test
