// Which services a deploy restarts: pure plans, no processes.

#include <gtest/gtest.h>

#include "agent_namespaces.hpp"
#include "release/service_changes.hpp"

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

// Redis from PATH in its own working directory; everything else works in the release.
std::vector<ServiceSpec> app(const std::string& dir, manifest::DeployMode server_mode) {
  auto redis = service("redis", {"redis-server", "--port", "6390"}, "/srv/app/shared");
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
  EXPECT_EQ(change_of(plan, "redis").mode, UpdateMode::in_place);  // its own cwd: kept
  EXPECT_FALSE(change_of(plan, "redis").from_release);
  EXPECT_EQ(change_of(plan, "server").mode, UpdateMode::overlap);
  EXPECT_EQ(change_of(plan, "server").why, "release content changed");
  EXPECT_EQ(change_of(plan, "worker").mode, UpdateMode::restart);  // a shell line may run anything
  EXPECT_EQ(plan.restarted(), (std::vector<std::string>{"server", "worker"}));
  EXPECT_TRUE(plan.removed.empty());
}

// The database's server, started before the migration of a first deploy, is not started again.
TEST(ServiceChanges, AServiceStartedBeforeTheMigrationIsKept) {
  const std::vector<ServiceSpec> none;
  const auto next = std::vector<ServiceSpec>{
      service("db", {"bosun-agent", "database-server", "postgres"}, "/srv/app/shared"),
      service("api", {"python3", "-m", "uvicorn", "api.main:app"}, "/srv/app/releases/A")};
  const RestartPlan plan =
      plan_restarts({&none, "", ""}, {&next, "/srv/app/releases/A", "aaaa"}, {"db"});
  EXPECT_EQ(change_of(plan, "db").mode, UpdateMode::in_place);
  EXPECT_EQ(change_of(plan, "db").why, "started before the migration");
  EXPECT_EQ(change_of(plan, "api").mode, UpdateMode::restart);
  EXPECT_EQ(plan.restarted(), std::vector<std::string>{"api"});
}

// The services of Python and Node users: the program comes from PATH, the code is read from
// the working directory, which is the release.
TEST(ServiceChanges, InterpretersFromPathWorkingInTheReleaseAreRestarted) {
  const auto stack = [](const std::string& dir) {
    return std::vector<ServiceSpec>{
        service("api", {"python3", "-m", "uvicorn", "app.main:app", "--port", "8000"}, dir),
        service("web", {"node", "server/server.js"}, dir),
        service("flask", {"gunicorn", "wsgi:app"}, dir),
        service("plain", {"python3", "server.py"}, dir),
    };
  };
  const auto live = stack("/r/A");
  const auto next = stack("/r/B");
  const RestartPlan plan = plan_restarts({&live, "/r/A", "c1"}, {&next, "/r/B", "c2"});
  EXPECT_EQ(plan.restarted(), (std::vector<std::string>{"api", "web", "flask", "plain"}));
  for (const ServiceChange& change : plan.services) {
    EXPECT_EQ(change.why, "release content changed") << change.name;
    EXPECT_TRUE(change.from_release) << change.name;
  }
}

TEST(ServiceChanges, TheSameCommitInANewDirectoryRestartsWhatWorksThere) {
  const auto live = app("/srv/app/releases/A", manifest::DeployMode::restart);
  const auto next = app("/srv/app/releases/B", manifest::DeployMode::restart);
  const RestartPlan plan =
      plan_restarts({&live, "/srv/app/releases/A", "aaaa"}, {&next, "/srv/app/releases/B", "aaaa"});
  EXPECT_EQ(plan.restarted(), (std::vector<std::string>{"server", "worker"}));
  EXPECT_EQ(change_of(plan, "server").why, "new release directory");
  const RestartPlan again =
      plan_restarts({&live, "/srv/app/releases/A", "aaaa"}, {&live, "/srv/app/releases/A", "aaaa"});
  EXPECT_TRUE(again.restarted().empty());
}

TEST(ServiceChanges, ServicesRunOutsideAnyReleaseAreReplacedByTheFirstRelease) {
  // `bosun-agent run -c app.yaml` ran them from the manifest's folder, with no commit.
  const auto live = app("/home/me/app", manifest::DeployMode::restart);
  const auto next = app("/srv/app/releases/B", manifest::DeployMode::restart);
  const RestartPlan plan =
      plan_restarts({&live, "/home/me/app", ""}, {&next, "/srv/app/releases/B", "bbbb"});
  EXPECT_EQ(plan.restarted(), (std::vector<std::string>{"redis", "server", "worker"}));
  EXPECT_EQ(change_of(plan, "redis").why, "running outside any release");
}

TEST(ServiceChanges, WhatDependsOnTheRelease) {
  const std::string dir = "/r/B";
  EXPECT_FALSE(runs_from_release(service("redis", {"redis-server"}, "/srv/shared"), dir));
  EXPECT_TRUE(runs_from_release(service("py", {"python3", "server.py"}, dir), dir));
  EXPECT_TRUE(runs_from_release(service("sub", {"python3", "server.py"}, dir + "/api"), dir));
  EXPECT_TRUE(runs_from_release(service("abs", {"/r/B/bin/api"}, "/"), dir));
  auto env_only = service("envy", {"/usr/bin/app"}, "/");
  env_only.env["PYTHONPATH"] = "/r/B/src";
  EXPECT_TRUE(runs_from_release(env_only, dir));
  EXPECT_TRUE(runs_from_release(service("sh", {"/bin/sh", "-c", "exec app"}, "/"), dir));
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
  EXPECT_EQ(change_of(plan, "worker").why, "new release directory");
}

TEST(ServiceChanges, ReleasePathsInArgumentsAreNotChangesByThemselves) {
  std::vector<ServiceSpec> live{service("api", {"/r/A/bin/api", "--config", "/r/A/api.conf"}, "/")};
  std::vector<ServiceSpec> next{service("api", {"/r/B/bin/api", "--config", "/r/B/api.conf"}, "/")};
  const RestartPlan same = plan_restarts({&live, "/r/A", "c1"}, {&next, "/r/B", "c1"});
  EXPECT_EQ(change_of(same, "api").why, "new release directory");
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
  EXPECT_EQ(change_of(first, "redis").why, "new service");
}

}  // namespace
}  // namespace bosun::agent
