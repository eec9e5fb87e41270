// A stage's deploy and rollback on fake hosts (tests/support/fake_agent_transport): the canary,
// max_fail, rollback of the stage, and nothing changed anywhere when one host is locked or
// unreachable. The real thing over loopback sshd is fleet_test.cpp.
#include <gtest/gtest.h>

#include <atomic>
#include <memory>

#include "controller_namespaces.hpp"
#include "fake_agent_transport.hpp"
#include "fleet/fleet_run.hpp"

namespace bosun::controller {
namespace {

using test::FakeAgent;
using test::RequestLog;

class Stage {
 public:
  explicit Stage(std::vector<FakeAgent> agents) : log(std::make_shared<RequestLog>()) {
    for (std::size_t i = 0; i < agents.size(); ++i) {
      hosts.push_back(test::fake_host("h" + std::to_string(i), agents[i], log));
    }
  }

  FleetOutcome deploy(const playbook::Strategy& strategy) {
    DeployPlan plan;
    plan.commit = "bbbbbbbbbbbbbbbbbbbb";
    plan.who = "alice@laptop";
    plan.strategy = strategy;
    const std::atomic<bool> interrupted{false};
    return deploy_fleet(
        hosts, plan, [](const std::string&, const AgentEvent&) {}, interrupted);
  }
  // How many hosts were asked to deploy, and the hosts whose lock went back.
  std::size_t deploys() const {
    std::size_t count = 0;
    for (std::size_t i = 0; i < hosts.size(); ++i) {
      count += log->of("h" + std::to_string(i), "deploy").size();
    }
    return count;
  }
  bool every_lock_given_back() const {
    for (std::size_t i = 0; i < hosts.size(); ++i) {
      const std::string host = "h" + std::to_string(i);
      if (log->of(host, "lock acquire").size() != log->of(host, "lock release").size()) {
        return false;
      }
    }
    return true;
  }

  std::shared_ptr<RequestLog> log;
  std::vector<HostSession> hosts;
};

playbook::Strategy strategy(int serial, int canary, int max_fail, bool rollback_all) {
  playbook::Strategy result;
  result.serial = serial;
  result.canary = canary;
  result.max_fail = max_fail;
  result.rollback_all = rollback_all;
  return result;
}

std::vector<HostResult> results(const FleetOutcome& outcome) {
  std::vector<HostResult> found;
  for (const HostOutcome& host : outcome.hosts) {
    found.push_back(host.result);
  }
  return found;
}

TEST(FleetRun, EveryHostIsDeployedInBatchesAndUnlocked) {
  Stage stage(std::vector<FakeAgent>(5));
  const FleetOutcome outcome = stage.deploy(strategy(2, 1, 0, true));
  EXPECT_TRUE(outcome.ok) << outcome.summary;
  EXPECT_EQ(results(outcome), std::vector<HostResult>(5, HostResult::succeeded));
  EXPECT_EQ(outcome.summary, "5 succeeded, 0 failed");
  EXPECT_EQ(outcome.hosts[0].from_release, "20261201T000001Z-aaaa");
  ASSERT_EQ(stage.log->of("h3", "deploy").size(), 1U);
  EXPECT_NE(stage.log->of("h3", "deploy")[0].find("--commit bbbbbbbbbbbbbbbbbbbb"),
            std::string::npos);
  EXPECT_TRUE(stage.every_lock_given_back());
}

TEST(FleetRun, AFailedCanaryStopsTheStageBeforeAnyOtherHostChanges) {
  std::vector<FakeAgent> agents(4);
  agents[0].deploy = RunResult::rolled_back;  // the canary's own agent rolled it back
  Stage stage(agents);
  const FleetOutcome outcome = stage.deploy(strategy(2, 1, 3, true));
  EXPECT_FALSE(outcome.ok);
  EXPECT_EQ(results(outcome), (std::vector<HostResult>{HostResult::rolled_back, HostResult::skipped,
                                                       HostResult::skipped, HostResult::skipped}));
  EXPECT_EQ(stage.deploys(), 1U);
  EXPECT_NE(outcome.hosts[2].reason.find("the stage stopped after failures"), std::string::npos);
  EXPECT_TRUE(stage.every_lock_given_back());
}

TEST(FleetRun, PastMaxFailTheStageStopsAndTheDeployedHostsAreRevertedToTheirRelease) {
  std::vector<FakeAgent> agents(6);
  agents[1].deploy = RunResult::failed;
  agents[3].deploy = RunResult::failed;
  agents[2].live_release = "20261130T000001Z-cccc";
  Stage stage(agents);
  const FleetOutcome outcome = stage.deploy(strategy(1, 0, 1, true));
  EXPECT_FALSE(outcome.ok);
  EXPECT_EQ(results(outcome), (std::vector<HostResult>{HostResult::reverted, HostResult::failed,
                                                       HostResult::reverted, HostResult::failed,
                                                       HostResult::skipped, HostResult::skipped}));
  EXPECT_EQ(stage.deploys(), 4U);
  const auto back = stage.log->of("h2", "rollback");
  ASSERT_EQ(back.size(), 1U);
  EXPECT_NE(back[0].find("--to 20261130T000001Z-cccc"), std::string::npos) << back[0];
  EXPECT_TRUE(stage.log->of("h1", "rollback").empty());  // its own agent already did
  EXPECT_EQ(outcome.summary, "0 succeeded, 2 failed; the stage stopped");
  EXPECT_TRUE(stage.every_lock_given_back());
}

TEST(FleetRun, WithRollbackFailedOnlyTheDeployedHostsKeepTheNewRelease) {
  std::vector<FakeAgent> agents(3);
  agents[1].deploy = RunResult::failed;
  Stage stage(agents);
  const FleetOutcome outcome = stage.deploy(strategy(1, 0, 0, false));
  EXPECT_EQ(results(outcome), (std::vector<HostResult>{HostResult::succeeded, HostResult::failed,
                                                       HostResult::skipped}));
  EXPECT_TRUE(stage.log->of("h0", "rollback").empty());
}

TEST(FleetRun, ARevertThatFailsLeavesTheHostFailedAndSaysSo) {
  std::vector<FakeAgent> agents(2);
  agents[0].rollback = RunResult::failed;
  agents[1].deploy = RunResult::failed;
  Stage stage(agents);
  const FleetOutcome outcome = stage.deploy(strategy(1, 0, 0, true));
  EXPECT_EQ(results(outcome), (std::vector<HostResult>{HostResult::failed, HostResult::failed}));
  EXPECT_NE(outcome.hosts[0].reason.find("the stage's rollback failed here"), std::string::npos);
}

TEST(FleetRun, AnUnreachableHostMeansNothingChangesAnywhere) {
  std::vector<FakeAgent> agents(3);
  agents[2].reachable = false;
  Stage stage(agents);
  const FleetOutcome outcome = stage.deploy(strategy(1, 0, 5, true));
  EXPECT_FALSE(outcome.ok);
  EXPECT_EQ(results(outcome), (std::vector<HostResult>{HostResult::skipped, HostResult::skipped,
                                                       HostResult::unreachable}));
  EXPECT_EQ(stage.deploys(), 0U);
  EXPECT_EQ(outcome.summary, "stopped before any change: 1 unreachable");
  EXPECT_NE(outcome.hosts[2].reason.find("connection refused"), std::string::npos);
  EXPECT_TRUE(stage.every_lock_given_back());
}

TEST(FleetRun, ALockedHostIsNamedAndNothingChanges) {
  std::vector<FakeAgent> agents(3);
  agents[1].lock_holder = "bob@laptop";
  Stage stage(agents);
  const FleetOutcome outcome = stage.deploy(strategy(1, 0, 0, true));
  EXPECT_EQ(outcome.hosts[1].result, HostResult::locked);
  EXPECT_EQ(outcome.summary, "locked: h1: locked: held by bob@laptop");
  EXPECT_EQ(stage.deploys(), 0U);
}

TEST(FleetRun, ARollbackGoesBackOnEveryReachableHostAtOnce) {
  std::vector<FakeAgent> agents(3);
  agents[1].reachable = false;
  agents[2].rollback = RunResult::refused;
  Stage stage(agents);
  RollbackPlan plan;
  plan.who = "alice@laptop";
  plan.to = "v1.2";
  const FleetOutcome outcome =
      rollback_fleet(stage.hosts, plan, [](const std::string&, const AgentEvent&) {});
  EXPECT_EQ(results(outcome),
            (std::vector<HostResult>{HostResult::succeeded, HostResult::unreachable,
                                     HostResult::refused}));
  EXPECT_EQ(outcome.summary, "1 of 3 rolled back");
  ASSERT_EQ(stage.log->of("h0", "rollback").size(), 1U);
  EXPECT_NE(stage.log->of("h0", "rollback")[0].find("--to v1.2"), std::string::npos);
}

TEST(HostResult, EachHasOneTextFormBothWays) {
  for (const HostResult result :
       {HostResult::succeeded, HostResult::failed, HostResult::rolled_back, HostResult::locked,
        HostResult::refused, HostResult::unreachable, HostResult::skipped, HostResult::reverted}) {
    EXPECT_EQ(parse_host_result(to_string(result)), result) << to_string(result);
  }
  EXPECT_EQ(to_string(HostResult::rolled_back), "rolled-back");
  EXPECT_EQ(parse_host_result("interrupted"), std::nullopt);
}

}  // namespace
}  // namespace bosun::controller
