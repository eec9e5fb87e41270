// platform-migrate as a user runs it.

#include <gtest/gtest.h>
#include <sys/wait.h>

#include "platform_fixture.hpp"

namespace bosun::test {
namespace {

int run_migrate(const std::vector<std::string>& args, const std::vector<std::string>& env,
                std::string& output) {
  TempDir dir;
  std::vector<std::string> argv{PLATFORM_MIGRATE_BIN};
  argv.insert(argv.end(), args.begin(), args.end());
  ChildProcess process({argv, env, dir.path(), dir.path() + "/out.log"});
  const auto status = process.wait(std::chrono::seconds(30));
  output = process.output();
  return status && WIFEXITED(*status) ? WEXITSTATUS(*status) : -1;
}

TEST(MigrateCli, StatusUpDownAndExpected) {
  TempDir dir;
  const std::vector<std::string> env{"DATABASE_URL=sqlite:///" + dir.path() + "/app.db"};
  std::string output;
  EXPECT_EQ(run_migrate({"expected"}, {}, output), 0);
  EXPECT_EQ(output, "4\n");
  EXPECT_EQ(run_migrate({"status", "--version"}, env, output), 0);
  EXPECT_EQ(output, "0\n");
  EXPECT_EQ(run_migrate({"up", "--to", "2"}, env, output), 0);
  EXPECT_NE(output.find("schema version 0 -> 2"), std::string::npos) << output;
  EXPECT_EQ(run_migrate({"status"}, env, output), 0);
  EXPECT_NE(output.find("version 2, this build expects 4"), std::string::npos) << output;
  EXPECT_NE(output.find("3 tasks: pending"), std::string::npos) << output;
  EXPECT_EQ(run_migrate({"up"}, env, output), 0);
  EXPECT_EQ(run_migrate({"down", "--to", "1"}, env, output), 0);
  EXPECT_NE(output.find("reverted 4\nreverted 3\nreverted 2\n"), std::string::npos) << output;
  EXPECT_EQ(run_migrate({"--database", dir.path() + "/app.db", "status", "--version"}, {}, output),
            2);
  EXPECT_EQ(run_migrate({"status", "--version", "--database", dir.path() + "/app.db"}, {}, output),
            0);
  EXPECT_EQ(output, "1\n");
}

TEST(MigrateCli, BadUsageExitsTwoWithAReason) {
  std::string output;
  EXPECT_EQ(run_migrate({}, {}, output), 2);
  EXPECT_EQ(run_migrate({"sideways"}, {}, output), 2);
  EXPECT_NE(output.find("unknown command \"sideways\""), std::string::npos);
  EXPECT_EQ(run_migrate({"down"}, {"DATABASE_URL=sqlite:///x.db"}, output), 2);
  EXPECT_NE(output.find("down needs --to N"), std::string::npos);
  EXPECT_EQ(run_migrate({"up", "--to", "two"}, {"DATABASE_URL=sqlite:///x.db"}, output), 2);
  EXPECT_EQ(run_migrate({"up"}, {}, output), 2);
  EXPECT_NE(output.find("DATABASE_URL is not set"), std::string::npos);
  EXPECT_EQ(run_migrate({"up"}, {"DATABASE_URL=postgres://db/app"}, output), 2);
  EXPECT_EQ(run_migrate({"--help"}, {}, output), 0);
}

}  // namespace
}  // namespace bosun::test
