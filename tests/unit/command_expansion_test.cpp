// The one command expander: argv and sh: forms, checks, and one error for a missing value.

#include "bosun/manifest/command_expansion.hpp"

#include <gtest/gtest.h>

namespace bosun::manifest {
namespace {

const Values k_values{
    {"release", "/srv/app/releases/B"}, {"shared", "/srv/app/shared"}, {"version", "a1f3c9e2b7d4"}};

TEST(CommandExpansion, ArgvWordsAndShellLines) {
  Command argv;
  argv.argv = {"python3", "-m", "alembic", "downgrade", "${version}"};
  EXPECT_EQ(expand_command(argv, k_values).value(),
            (std::vector<std::string>{"python3", "-m", "alembic", "downgrade", "a1f3c9e2b7d4"}));
  Command shell;
  shell.shell = "cd ${release} && exec ./run --data $${HOME}/x";
  EXPECT_EQ(expand_command(shell, k_values).value(),
            (std::vector<std::string>{"/bin/sh", "-c",
                                      "cd /srv/app/releases/B && exec ./run --data ${HOME}/x"}));
}

TEST(CommandExpansion, AVariableWithoutAValueIsOneErrorNamingIt) {
  Command command;
  command.argv = {"bin/server", "--pid", "${pid}"};
  const auto expanded = expand_command(command, k_values);
  ASSERT_FALSE(expanded.has_value());
  EXPECT_NE(expanded.error().find("pid"), std::string::npos) << expanded.error();
  EXPECT_NE(expanded.error().find("${pid}"), std::string::npos) << expanded.error();
  CheckSpec check;
  HttpCheck http;
  http.url = "http://127.0.0.1:8080/ready?pid=${pid}";
  check.kind = http;
  const auto url = expand_check(check, k_values);
  ASSERT_FALSE(url.has_value());
  EXPECT_NE(url.error().find("${pid}"), std::string::npos) << url.error();
}

TEST(CommandExpansion, ChecksGetTheirUrlPathAndCommandExpanded) {
  CheckSpec sqlite;
  sqlite.kind = SqliteCheck{"${shared}/data/app.db", "SELECT 1"};
  EXPECT_EQ(std::get<SqliteCheck>(expand_check(sqlite, k_values)->kind).path,
            "/srv/app/shared/data/app.db");
  CheckSpec exec;
  ExecCheck command;
  command.command.shell = "test -f ${release}/READY";
  exec.kind = command;
  const auto expanded = expand_check(exec, k_values);
  ASSERT_TRUE(expanded.has_value()) << expanded.error();
  const auto& run = std::get<ExecCheck>(expanded->kind).command;
  EXPECT_TRUE(run.shell.empty());
  EXPECT_EQ(run.argv,
            (std::vector<std::string>{"/bin/sh", "-c", "test -f /srv/app/releases/B/READY"}));
}

}  // namespace
}  // namespace bosun::manifest
