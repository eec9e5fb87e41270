// The prune step's plan: N good releases kept, failed ones first to go, and the backups that
// rollbacks to the kept ones need.

#include <gtest/gtest.h>

#include "agent_namespaces.hpp"
#include "release/prune_plan.hpp"

namespace bosun::agent {
namespace {

PruneCandidate good(const std::string& id, bool current = false) {
  return {id, current, true, "/b/" + id + ".db"};
}
PruneCandidate failed(const std::string& id) {
  return {id, false, false, "/b/" + id + ".db"};
}

TEST(PrunePlan, KeepsNGoodReleasesHoweverManyDeploysFailed) {
  const std::vector<PruneCandidate> releases{good("g1"),   good("g2"),   failed("f3"),
                                             failed("f4"), failed("f5"), good("g6", true)};
  const PrunePlan plan = plan_prune(releases, 3);
  EXPECT_EQ(plan.releases, (std::vector<std::string>{"f3", "f4", "f5"}));
  // Rollbacks to g2 restore the backup f3 took (the database as g2 left it): kept.
  EXPECT_EQ(plan.backups, (std::vector<std::string>{"/b/f4.db", "/b/f5.db"}));
}

TEST(PrunePlan, OlderGoodReleasesGoBeyondN) {
  const std::vector<PruneCandidate> releases{good("g1"), good("g2"), good("g3"), good("g4", true)};
  const PrunePlan plan = plan_prune(releases, 2);
  EXPECT_EQ(plan.releases, (std::vector<std::string>{"g1", "g2"}));
  EXPECT_EQ(plan.backups, (std::vector<std::string>{"/b/g1.db", "/b/g2.db"}));
}

TEST(PrunePlan, TheCurrentReleaseStaysEvenWhenNotGood) {
  const std::vector<PruneCandidate> releases{good("g1"), failed("f2"), {"c3", true, false, ""}};
  const PrunePlan plan = plan_prune(releases, 1);
  EXPECT_EQ(plan.releases, (std::vector<std::string>{"f2"}));
  EXPECT_TRUE(plan.backups.empty());  // f2's backup is the one a rollback to g1 restores
}

TEST(PrunePlan, ARollbackTargetIsKeptEvenWithKeepOne) {
  const std::vector<PruneCandidate> releases{good("g1"), failed("f2"), good("g3", true)};
  EXPECT_EQ(plan_prune(releases, 1).releases, (std::vector<std::string>{"f2"}));
  EXPECT_EQ(plan_prune(releases, 0).releases, (std::vector<std::string>{"f2"}));
}

}  // namespace
}  // namespace bosun::agent
