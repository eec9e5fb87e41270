// The playbook model: the shipped playbooks load, and mistakes are reported where they are.

#include <gtest/gtest.h>

#include "bosun/playbook/playbook.hpp"

namespace bosun::playbook {
namespace {

const std::string k_dir = std::string(BOSUN_SOURCE_DIR) + "/playbooks/";

std::string describe(const LoadResult& result) {
  return manifest::format_diagnostics(result.diagnostics);
}

TEST(Playbooks, ShippedDeployPlaybookLoads) {
  const LoadResult result = load_playbook_file(k_dir + "deploy.yaml");
  ASSERT_TRUE(result.ok()) << describe(result);
  const Playbook& deploy = *result.playbook;
  EXPECT_EQ(deploy.name, "deploy");
  std::vector<std::string> names;
  for (const Step& step : deploy.steps) {
    names.push_back(step.name);
  }
  EXPECT_EQ(names, (std::vector<std::string>{"lock", "fetch", "checkout", "build", "preflight",
                                             "backup", "migrate", "switch", "restart", "verify",
                                             "announce", "prune"}));
  EXPECT_EQ(deploy.find(StepKind::build)->timeout, Duration(20 * 60'000));
  const Step& hook = deploy.steps[10];
  EXPECT_EQ(hook.kind, StepKind::run);
  EXPECT_TRUE(hook.command.uses_shell());
  EXPECT_EQ(hook.on_failure, OnFailure::continue_on);
  EXPECT_EQ(deploy.strategy.canary, 1);
  EXPECT_TRUE(deploy.strategy.rollback_all);
}

TEST(Playbooks, ShippedRollbackPlaybookLoads) {
  const LoadResult result = load_playbook_file(k_dir + "rollback.yaml");
  ASSERT_TRUE(result.ok()) << describe(result);
  EXPECT_EQ(result.playbook->steps.size(), 5U);
}

TEST(Playbooks, StrategyPercentages) {
  const LoadResult result =
      parse_playbook("name: p\nstrategy: {serial: 25%}\nsteps: [fetch]\n", "p.yaml");
  ASSERT_TRUE(result.ok()) << describe(result);
  EXPECT_EQ(result.playbook->strategy.serial, 25);
  EXPECT_TRUE(result.playbook->strategy.serial_percent);
}

struct Bad {
  const char* yaml;
  int line;
  int column;
  const char* message;
};

class InvalidPlaybook : public ::testing::TestWithParam<Bad> {};

TEST_P(InvalidPlaybook, ReportsWhere) {
  const LoadResult result = parse_playbook(GetParam().yaml, "p.yaml");
  EXPECT_FALSE(result.ok());
  const std::string position = "p.yaml:" + std::to_string(GetParam().line) + ":" +
                               std::to_string(GetParam().column) + ": error: ";
  const std::string all = describe(result);
  bool found = false;
  for (const auto& d : result.diagnostics) {
    const std::string text = manifest::format_diagnostic(d);
    found =
        found || (text.starts_with(position) && text.find(GetParam().message) != std::string::npos);
  }
  EXPECT_TRUE(found) << "expected " << position << GetParam().message << "\ngot:\n" << all;
}

INSTANTIATE_TEST_SUITE_P(
    Table, InvalidPlaybook,
    ::testing::Values(
        Bad{"name: p\nsteps: [fetch, migrat]\n", 2, 16,
            "unknown step \"migrat\" (did you mean \"migrate\"?)"},
        Bad{"name: p\nsteps: [fetch, switch, migrate]\n", 2, 24,
            "\"migrate\" must come before \"switch\""},
        Bad{"name: p\nsteps: [fetch, lock]\n", 2, 16, "lock must be the first step"},
        Bad{"name: p\nsteps: [fetch, fetch]\n", 2, 16, "step \"fetch\" appears twice"},
        Bad{"name: p\nsteps:\n  - run: notify-slack\n", 3, 10, "commands are argv lists"},
        Bad{"name: p\nsteps:\n  - run: [a]\n    name: x\n  - run: [b]\n    name: x\n", 5, 5,
            "two run steps are named \"x\""},
        Bad{"name: p\nsteps:\n  - run: [a]\n    timout: 5s\n", 4, 5,
            "unknown key \"timout\" (did you mean \"timeout\"?)"},
        Bad{"name: p\nsteps:\n  - build: {timeout: 5}\n", 3, 22, "needs a unit"},
        Bad{"name: p\nsteps:\n  - run: [a]\n    on_failure: ignore\n", 4, 17,
            "\"ignore\" is not one of abort or continue"},
        Bad{"name: p\nstrategy: {serial: 0}\nsteps: [fetch]\n", 2, 20, "0 is out of range"},
        Bad{"name: p\nsteps: []\n", 2, 8, "expected a non-empty list of steps"},
        Bad{"steps: [fetch]\n", 1, 1, "missing required key \"name\""}));

}  // namespace
}  // namespace bosun::playbook
