// The incident diagnosis: which failing dependencies every release shares. URLs are read
// without their credentials; real sockets tell a refusing dependency from a reachable one.

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include "agent_namespaces.hpp"
#include "child_process.hpp"
#include "report/incident_diagnosis.hpp"

namespace bosun::agent {
namespace {

TEST(IncidentDiagnosis, DependencyUrlsWithoutTheirCredentials) {
  const DependencyAddress pg = dependency_address("postgres://app:s3cret@db.internal:6543/app");
  EXPECT_EQ(pg.scheme, "postgres");
  EXPECT_EQ(pg.host, "db.internal");
  EXPECT_EQ(pg.port, 6543);
  const DependencyAddress driver = dependency_address("postgresql+psycopg2://u@127.0.0.1/app");
  EXPECT_EQ(driver.scheme, "postgresql");
  EXPECT_EQ(driver.port, 5432);
  EXPECT_EQ(dependency_address("mysql://root:pw@[::1]:3307/db").host, "::1");
  EXPECT_EQ(dependency_address("mysql://root:pw@[::1]:3307/db").port, 3307);
  EXPECT_EQ(dependency_address("redis://127.0.0.1").port, 6379);
  EXPECT_TRUE(dependency_address("sqlite:////srv/app/app.db").scheme.empty());
  EXPECT_TRUE(dependency_address("http://127.0.0.1:8080/").scheme.empty());
  EXPECT_TRUE(dependency_address("not a url").scheme.empty());
}

ServiceSpec spec(const std::string& name, const std::string& cwd) {
  ServiceSpec s;
  s.name = name;
  s.argv = {"python3", "app.py"};
  s.cwd = cwd;
  return s;
}

ServiceStatus status(const std::string& name, ServiceState state) {
  ServiceStatus s;
  s.name = name;
  s.state = state;
  return s;
}

TEST(IncidentDiagnosis, ARefusingDatabaseExplainsTheAppsFailure) {
  ReleaseApp app;
  app.dir = "/srv/app/releases/B";
  app.specs = {spec("api", app.dir)};
  const unsigned short dead = test::free_port();
  app.specs[0].env["DATABASE_URL"] = "postgres://app:pw@127.0.0.1:" + std::to_string(dead) + "/a";
  const Diagnosis diagnosis = diagnose(app, {status("api", ServiceState::backoff)});
  ASSERT_EQ(diagnosis.shared.size(), 1U);
  EXPECT_EQ(diagnosis.shared[0].what,
            "DATABASE_URL (the postgres database at 127.0.0.1:" + std::to_string(dead) + ")");
  EXPECT_EQ(diagnosis.shared[0].services, (std::vector<std::string>{"api"}));
  EXPECT_FALSE(diagnosis.rollback_can_help);
}

TEST(IncidentDiagnosis, AServiceKeptAcrossReleasesExplainsItsDependents) {
  ReleaseApp app;
  app.dir = "/srv/app/releases/B";
  app.specs = {spec("redis", "/srv/app/shared"), spec("api", app.dir), spec("web", app.dir)};
  std::vector<ServiceStatus> services{status("redis", ServiceState::crash_loop),
                                      status("api", ServiceState::waiting),
                                      status("web", ServiceState::unhealthy)};
  services[1].depends_on = {"redis"};
  const Diagnosis diagnosis = diagnose(app, services);
  ASSERT_EQ(diagnosis.shared.size(), 1U);
  EXPECT_EQ(diagnosis.shared[0].what, "service redis (kept across releases)");
  EXPECT_EQ(diagnosis.shared[0].services, (std::vector<std::string>{"redis", "api"}));
  EXPECT_TRUE(diagnosis.rollback_can_help) << "web's failure is its own";
}

TEST(IncidentDiagnosis, APortHeldByAnotherProcessIsNamedWithItsHolder) {
  const unsigned short port = test::free_port();
  const int listener = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(port);
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(::bind(listener, reinterpret_cast<sockaddr*>(&address), sizeof address), 0);
  ASSERT_EQ(::listen(listener, 4), 0);
  ReleaseApp app;
  app.dir = "/srv/app/releases/B";
  app.specs = {spec("api", app.dir)};
  manifest::ProbeSpec ready;
  manifest::HttpCheck check;
  check.url = "http://127.0.0.1:" + std::to_string(port) + "/health";
  ready.check.kind = check;
  app.specs[0].ready = ready;
  const Diagnosis diagnosis = diagnose(app, {status("api", ServiceState::crash_loop)});
  ::close(listener);
  ASSERT_EQ(diagnosis.shared.size(), 1U);
  EXPECT_EQ(diagnosis.shared[0].what, "port 127.0.0.1:" + std::to_string(port));
  EXPECT_NE(diagnosis.shared[0].evidence.find("pid " + std::to_string(::getpid())),
            std::string::npos)
      << diagnosis.shared[0].evidence;
  EXPECT_FALSE(diagnosis.rollback_can_help);
  // Free again: nothing shared to blame, the release may be the cause.
  EXPECT_TRUE(diagnose(app, {status("api", ServiceState::crash_loop)}).rollback_can_help);
}

TEST(IncidentDiagnosis, NothingUnhealthyNothingToSay) {
  ReleaseApp app;
  app.specs = {spec("api", "/r")};
  const Diagnosis diagnosis = diagnose(app, {status("api", ServiceState::ready)});
  EXPECT_TRUE(diagnosis.unhealthy.empty());
  EXPECT_TRUE(diagnosis.shared.empty());
  EXPECT_FALSE(diagnosis.rollback_can_help);
}

}  // namespace
}  // namespace bosun::agent
