// The app's database server run by the agent as one of the app's services, as on the seeds'
// single VM: `bosun-agent database-server` initialises ${shared}/<engine> on the first start
// with the role, password and database of the app's DATABASE_URL, then becomes postgres or
// mariadbd; readiness is a connection with that URL. A second deploy keeps the data.

#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>

#include <gtest/gtest.h>

#include "agent_fixture.hpp"
#include "bosun/checks/sql_connection.hpp"
#include "deploy_sandbox.hpp"
#include "git_repo.hpp"
#include "secret_scan.hpp"

namespace bosun::test {
namespace {

using std::chrono::seconds;

const std::string k_password = "served-db-pw-61a9";

struct ServerCase {
  std::string name;
  std::string engine;  // postgres | mysql
  std::string scheme;
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

  std::string commit(const std::string& version) {
    const bool as_postgres = ::geteuid() == 0 && GetParam().engine == "postgres";
    repo.write("app.yaml", "app: single-vm\nrepo: " + repo.path() +
                               "\nservices:\n  db:\n    command: [" + BOSUN_AGENT_BIN +
                               ", database-server, " + GetParam().engine + ", --data, '${shared}/" +
                               GetParam().engine + "/data']\n" + "    cwd: ${shared}\n" +
                               (as_postgres ? "    user: postgres\n" : "") + "    ready: {" +
                               GetParam().engine +
                               ": {}, timeout: 90s}\n    stop: {signal: INT, timeout: 30s}\n"
                               "verify:\n  window: 1s\n  checks:\n    - " +
                               GetParam().engine + ": {query: 'SELECT 1'}\n");
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

INSTANTIATE_TEST_SUITE_P(Engines, DatabaseServerService,
                         ::testing::Values(ServerCase{"Postgres", "postgres", "postgresql"},
                                           ServerCase{"MariaDb", "mysql", "mysql"}),
                         [](const ::testing::TestParamInfo<ServerCase>& param) {
                           return param.param.name;
                         });

}  // namespace
}  // namespace bosun::test
