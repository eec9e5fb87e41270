// The postgres and mysql check kinds against real servers started by the test: a pass with the
// server named, each kind of failure with its own action, and never the password in a result.

#include <gtest/gtest.h>

#include "bosun/checks/check_runner.hpp"
#include "bosun/checks/sql_connection.hpp"
#include "child_process.hpp"
#include "mariadb_server.hpp"
#include "postgres_server.hpp"

namespace bosun::checks {
namespace {

const std::string k_password = "pg-check-secret-4d1e";

void expect_no_password(const CheckResult& result) {
  EXPECT_EQ(result.evidence.find(k_password), std::string::npos) << result.evidence;
  EXPECT_EQ(result.action.find(k_password), std::string::npos) << result.action;
}

CheckContext with_env(std::map<std::string, std::string> env) {
  CheckContext context;
  context.timeout = std::chrono::milliseconds(3000);
  context.env = std::move(env);
  return context;
}

class PostgresCheckTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    try {
      server = new test::PostgresServer(k_password);
    } catch (const std::exception& error) {
      not_started = error.what();  // SetUp fails with it: gtest would call the suite skipped
    }
  }
  void SetUp() override { ASSERT_NE(server, nullptr) << not_started; }
  static void TearDownTestSuite() {
    delete server;
    server = nullptr;
  }
  static test::PostgresServer* server;
  static std::string not_started;
};
test::PostgresServer* PostgresCheckTest::server = nullptr;
std::string PostgresCheckTest::not_started;

TEST_F(PostgresCheckTest, PassesWithTheAppsUrlAndNamesTheServer) {
  const CheckResult result =
      run_check(manifest::PostgresCheck{}, with_env({{"DATABASE_URL", server->url()}}));
  EXPECT_TRUE(result.passed()) << result.evidence;
  EXPECT_NE(result.evidence.find("PostgreSQL 1"), std::string::npos) << result.evidence;
  EXPECT_NE(result.evidence.find(R"("SELECT 1" returned "1")"), std::string::npos)
      << result.evidence;
  EXPECT_NE(result.evidence.find("postgresql://app@127.0.0.1:"), std::string::npos)
      << result.evidence;
  expect_no_password(result);
}

TEST_F(PostgresCheckTest, SqlAlchemyDriverSuffixAndPasswordEnv) {
  std::string url = server->url(false);
  url.replace(0, std::string("postgresql").size(), "postgresql+psycopg2");
  manifest::PostgresCheck check;
  check.url = url;
  check.password_env = "PGPASSWORD";
  const CheckResult result = run_check(check, with_env({{"PGPASSWORD", k_password}}));
  EXPECT_TRUE(result.passed()) << result.evidence;
}

TEST_F(PostgresCheckTest, WrongPasswordIsAnAuthenticationFailure) {
  std::string url = server->url(false);
  url.insert(url.find('@'), ":wrong-" + k_password.substr(0, 6));
  const CheckResult result =
      run_check(manifest::PostgresCheck{}, with_env({{"DATABASE_URL", url}}));
  EXPECT_FALSE(result.passed());
  EXPECT_NE(result.evidence.find("password authentication failed"), std::string::npos)
      << result.evidence;
  EXPECT_NE(result.action.find("check the user and password in DATABASE_URL"), std::string::npos)
      << result.action;
  EXPECT_EQ(result.evidence.find("wrong-"), std::string::npos) << result.evidence;
}

TEST_F(PostgresCheckTest, MissingDatabaseAndFailingQueryAreTold) {
  std::string url = server->url();
  url.replace(url.rfind('/'), std::string::npos, "/nosuchdb");
  const CheckResult missing =
      run_check(manifest::PostgresCheck{}, with_env({{"DATABASE_URL", url}}));
  EXPECT_FALSE(missing.passed());
  EXPECT_NE(missing.action.find("create the database"), std::string::npos) << missing.action;
  manifest::PostgresCheck check;
  check.query = "SELECT * FROM no_such_table";
  const CheckResult failed = run_check(check, with_env({{"DATABASE_URL", server->url()}}));
  EXPECT_FALSE(failed.passed());
  EXPECT_NE(failed.evidence.find("connected to"), std::string::npos) << failed.evidence;
  EXPECT_NE(failed.evidence.find("no_such_table"), std::string::npos) << failed.evidence;
  expect_no_password(missing);
  expect_no_password(failed);
}

TEST_F(PostgresCheckTest, UnsetOrForeignUrlsFailWithoutConnecting) {
  const CheckResult unset = run_check(manifest::PostgresCheck{}, with_env({}));
  EXPECT_FALSE(unset.passed());
  EXPECT_NE(unset.evidence.find("DATABASE_URL is not set"), std::string::npos) << unset.evidence;
  const CheckResult mysql =
      run_check(manifest::PostgresCheck{},
                with_env({{"DATABASE_URL", "mysql://app:" + k_password + "@127.0.0.1/app"}}));
  EXPECT_FALSE(mysql.passed());
  EXPECT_NE(mysql.evidence.find("is a mysql URL"), std::string::npos) << mysql.evidence;
  expect_no_password(mysql);
}

TEST(PostgresCheckDown, AStoppedServerIsUnreachable) {
  const unsigned short port = test::free_port();
  const CheckResult result =
      run_check(manifest::PostgresCheck{},
                with_env({{"DATABASE_URL", "postgres://app:" + k_password +
                                               "@127.0.0.1:" + std::to_string(port) + "/app"}}));
  EXPECT_FALSE(result.passed());
  EXPECT_NE(result.action.find("start the database server"), std::string::npos) << result.action;
  expect_no_password(result);
}

class MysqlCheckTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir = new test::TempDir;
    try {
      server = new test::MariaDbServer(dir->path(), k_password);
    } catch (const std::exception& error) {
      not_started = error.what();
    }
  }
  void SetUp() override { ASSERT_NE(server, nullptr) << not_started; }
  static void TearDownTestSuite() {
    delete server;
    delete dir;
  }
  static std::string url(const std::string& password = k_password) {
    return "mysql+pymysql://app:" + password + "@127.0.0.1:" + std::to_string(server->port()) +
           "/app";
  }
  static test::TempDir* dir;
  static test::MariaDbServer* server;
  static std::string not_started;
};
test::TempDir* MysqlCheckTest::dir = nullptr;
test::MariaDbServer* MysqlCheckTest::server = nullptr;
std::string MysqlCheckTest::not_started;

TEST_F(MysqlCheckTest, PassesAndNamesMariaDb) {
  const CheckResult result = run_check(manifest::MysqlCheck{}, with_env({{"DATABASE_URL", url()}}));
  EXPECT_TRUE(result.passed()) << result.evidence;
  EXPECT_NE(result.evidence.find("MariaDB 1"), std::string::npos) << result.evidence;
  expect_no_password(result);
}

TEST_F(MysqlCheckTest, WrongPasswordAndMissingDatabase) {
  const CheckResult denied =
      run_check(manifest::MysqlCheck{}, with_env({{"DATABASE_URL", url("not-it")}}));
  EXPECT_FALSE(denied.passed());
  EXPECT_NE(denied.action.find("check the user and password"), std::string::npos)
      << denied.evidence;
  std::string other = url();
  other.replace(other.rfind('/'), std::string::npos, "/nosuchdb");
  const CheckResult missing =
      run_check(manifest::MysqlCheck{}, with_env({{"DATABASE_URL", other}}));
  EXPECT_FALSE(missing.passed());
  EXPECT_NE(missing.evidence.find("nosuchdb"), std::string::npos) << missing.evidence;
  expect_no_password(missing);
}

TEST_F(MysqlCheckTest, RowsComeBackAsText) {
  auto url_parsed = parse_database_url(url());
  ASSERT_TRUE(url_parsed);
  auto connection = connect_sql(*url_parsed, std::chrono::milliseconds(3000));
  ASSERT_TRUE(connection) << connection.error().message;
  const auto rows = (*connection)->query("SELECT 7, NULL, 'x'");
  ASSERT_TRUE(rows) << rows.error().message;
  ASSERT_EQ(rows->size(), 1U);
  EXPECT_EQ((*rows)[0][0], "7");
  EXPECT_EQ((*rows)[0][1], std::nullopt);
  EXPECT_EQ((*rows)[0][2], "x");
}

TEST(MysqlCheckDown, AStoppedServerIsUnreachable) {
  const CheckResult result = run_check(
      manifest::MysqlCheck{},
      with_env({{"DATABASE_URL", "mysql://app:" + k_password +
                                     "@127.0.0.1:" + std::to_string(test::free_port()) + "/app"}}));
  EXPECT_FALSE(result.passed());
  EXPECT_NE(result.action.find("start the database server"), std::string::npos) << result.evidence;
  expect_no_password(result);
}

}  // namespace
}  // namespace bosun::checks
