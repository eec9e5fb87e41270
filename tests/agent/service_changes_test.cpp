// Which services a deploy restarts: pure plans, no processes.

#include <gtest/gtest.h>

#include "service_changes.hpp"

namespace bosun::agent {
namespace {

ServiceSpec service(const std::string& name, std::vector<std::string> argv,
                    const std::string& release_dir) {
  ServiceSpec spec;
  spec.name = name;
  spec.argv = std::move(argv);
  spec.cwd = release_dir;
  spec.env = {{"PATH", "/usr/bin:/bin"}, {"DATA", "/srv/app/shared/data"}};
  return spec;
}

std::vector<ServiceSpec> app(const std::string& dir, manifest::DeployMode server_mode) {
  auto redis = service("redis", {"redis-server", "--port", "6390"}, dir);
  auto server = service("server", {"build/platform-server"}, dir);
  server.deploy = server_mode;
  auto worker = service("worker", {"/bin/sh", "-c", "exec build/platform-worker"}, dir);
  return {redis, server, worker};
}

const ServiceChange& change_of(const RestartPlan& plan, const std::string& name) {
  for (const ServiceChange& change : plan.services) {
    if (change.name == name) {
      return change;
    }
  }
  throw std::runtime_error("no change for " + name);
}

TEST(ServiceChanges, ANewCommitRestartsWhatRunsFromTheRelease) {
  const auto live = app("/srv/app/releases/A", manifest::DeployMode::overlap);
  const auto next = app("/srv/app/releases/B", manifest::DeployMode::overlap);
  const RestartPlan plan =
      plan_restarts({&live, "/srv/app/releases/A", "aaaa"}, {&next, "/srv/app/releases/B", "bbbb"});
  EXPECT_EQ(change_of(plan, "redis").mode, UpdateMode::in_place);  // from PATH: unchanged
  EXPECT_EQ(change_of(plan, "server").mode, UpdateMode::overlap);
  EXPECT_EQ(change_of(plan, "server").why, "release content changed");
  EXPECT_EQ(change_of(plan, "worker").mode, UpdateMode::restart);  // a shell line may run anything
  EXPECT_EQ(plan.restarted(), (std::vector<std::string>{"server", "worker"}));
  EXPECT_TRUE(plan.removed.empty());
}

TEST(ServiceChanges, TheSameCommitElsewhereRestartsNothing) {
  const auto live = app("/srv/app/releases/A", manifest::DeployMode::restart);
  const auto next = app("/srv/app/releases/B", manifest::DeployMode::restart);
  const RestartPlan plan =
      plan_restarts({&live, "/srv/app/releases/A", "aaaa"}, {&next, "/srv/app/releases/B", "aaaa"});
  EXPECT_TRUE(plan.restarted().empty());
}

TEST(ServiceChanges, ADefinitionChangeRestartsEvenProgramsFromPath) {
  const auto live = app("/r/A", manifest::DeployMode::restart);
  auto next = app("/r/B", manifest::DeployMode::restart);
  next[0].argv.push_back("--maxmemory");
  next[0].argv.push_back("100mb");
  next[1].env["PORT"] = "8081";
  const RestartPlan plan = plan_restarts({&live, "/r/A", "aaaa"}, {&next, "/r/B", "aaaa"});
  EXPECT_EQ(change_of(plan, "redis").why, "definition changed");
  EXPECT_EQ(change_of(plan, "server").why, "definition changed");
  EXPECT_EQ(change_of(plan, "worker").mode, UpdateMode::in_place);
}

TEST(ServiceChanges, ReleasePathsInArgumentsAreNotChangesByThemselves) {
  std::vector<ServiceSpec> live{service("api", {"/r/A/bin/api", "--config", "/r/A/api.conf"}, "/")};
  std::vector<ServiceSpec> next{service("api", {"/r/B/bin/api", "--config", "/r/B/api.conf"}, "/")};
  const RestartPlan same = plan_restarts({&live, "/r/A", "c1"}, {&next, "/r/B", "c1"});
  EXPECT_EQ(change_of(same, "api").mode, UpdateMode::in_place);
  const RestartPlan newer = plan_restarts({&live, "/r/A", "c1"}, {&next, "/r/B", "c2"});
  EXPECT_EQ(change_of(newer, "api").why, "release content changed");
}

TEST(ServiceChanges, AddedAndRemovedServices) {
  const auto live = app("/r/A", manifest::DeployMode::restart);
  std::vector<ServiceSpec> next{live[0], service("cron", {"/usr/bin/cron", "-f"}, "/r/B")};
  const RestartPlan plan = plan_restarts({&live, "/r/A", "c1"}, {&next, "/r/B", "c1"});
  EXPECT_EQ(change_of(plan, "cron").why, "new service");
  EXPECT_EQ(plan.removed, (std::vector<std::string>{"server", "worker"}));
  const RestartPlan first = plan_restarts({nullptr, "", ""}, {&next, "/r/B", "c1"});
  EXPECT_EQ(first.restarted(), (std::vector<std::string>{"redis", "cron"}));
}

}  // namespace
}  // namespace bosun::agent
