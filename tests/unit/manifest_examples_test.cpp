// The shipped example manifests load cleanly and mean what they say.

#include <gtest/gtest.h>

#include "bosun/manifest/loader.hpp"
#include "bosun/manifest/summary.hpp"

namespace bosun::manifest {
namespace {

const std::string k_examples = std::string(BOSUN_SOURCE_DIR) + "/manifests/examples/";

std::string describe(const LoadResult& result) {
  return format_diagnostics(result.diagnostics);
}

TEST(ManifestExamples, PlatformLoadsWithoutDiagnostics) {
  const LoadResult result = load_manifest_file(k_examples + "platform.yaml");
  ASSERT_TRUE(result.ok()) << describe(result);
  EXPECT_TRUE(result.diagnostics.empty()) << describe(result);
}

TEST(ManifestExamples, PlatformDefinesTheBundledServices) {
  const LoadResult result = load_manifest_file(k_examples + "platform.yaml");
  ASSERT_TRUE(result.ok()) << describe(result);
  const Manifest& m = *result.manifest;
  EXPECT_EQ(m.app, "learning-platform");
  ASSERT_EQ(m.stages.size(), 2U);
  EXPECT_EQ(m.stages[0].name, "production");
  EXPECT_EQ(m.stages[0].hosts.size(), 2U);
  ASSERT_TRUE(m.stages[1].ssh.has_value());
  EXPECT_EQ(m.stages[1].ssh->port, 2222);
  EXPECT_EQ(m.secrets, std::vector<std::string>{"JWT_SECRET_KEY"});
  EXPECT_EQ(m.shared, (std::vector<std::string>{"data", ".env"}));

  std::vector<std::string> order;
  for (const Service* service : m.start_order()) {
    order.push_back(service->name);
  }
  EXPECT_EQ(order, (std::vector<std::string>{"redis", "server", "worker"}));

  const Service* server = m.find_service("server");
  ASSERT_NE(server, nullptr);
  EXPECT_EQ(server->command.argv, std::vector<std::string>{"build/platform-server"});
  EXPECT_EQ(server->deploy, DeployMode::overlap);
  ASSERT_TRUE(server->ready.has_value());
  const auto* http = std::get_if<HttpCheck>(&server->ready->check.kind);
  ASSERT_NE(http, nullptr);
  EXPECT_EQ(http->url, "http://127.0.0.1:8080/ready");
  EXPECT_EQ(server->ready->timeout, Duration(30'000));
  ASSERT_TRUE(server->liveness.has_value());
  EXPECT_EQ(server->liveness->interval, Duration(5'000));
  EXPECT_EQ(server->liveness->failures, 3);
  EXPECT_EQ(server->restart.crash_loop.restarts, 5);
  EXPECT_EQ(server->nofile, 65536U);

  const Service* worker = m.find_service("worker");
  ASSERT_NE(worker, nullptr);
  EXPECT_EQ(worker->restart.policy, RestartPolicy::on_failure);
  EXPECT_TRUE(std::holds_alternative<LogCheck>(worker->ready->check.kind));
  EXPECT_EQ(worker->stop.timeout, Duration(30'000));

  EXPECT_EQ(m.database.kind, DatabaseKind::sqlite);
  ASSERT_TRUE(m.database.migrate_down.has_value());
  EXPECT_EQ(m.database.migrate_down->argv.back(), "${version}");  // expanded on the host
  EXPECT_EQ(m.build.commands.size(), 2U);
  EXPECT_EQ(m.verify.checks.size(), 2U);
  EXPECT_EQ(m.requires_.tools.size(), 3U);
  EXPECT_EQ(m.requires_.disk_free, 1024ULL * 1024 * 1024);
}

TEST(ManifestExamples, MinimalLoadsWithDefaults) {
  const LoadResult result = load_manifest_file(k_examples + "minimal.yaml");
  ASSERT_TRUE(result.ok()) << describe(result);
  const Manifest& m = *result.manifest;
  EXPECT_EQ(m.root, "/srv/bosun/${app}");
  EXPECT_EQ(m.keep_releases, 5);
  ASSERT_EQ(m.services.size(), 1U);
  const Service& web = m.services[0];
  EXPECT_EQ(web.restart.policy, RestartPolicy::always);
  EXPECT_EQ(web.restart.backoff.initial, Duration(100));
  EXPECT_EQ(web.stop.signal, "TERM");
  EXPECT_EQ(web.stop.timeout, Duration(10'000));
  ASSERT_TRUE(web.ready.has_value());
  EXPECT_EQ(std::get<HttpCheck>(web.ready->check.kind).status, 200);
}

TEST(ManifestExamples, SummaryAndJsonNameEveryService) {
  const LoadResult result = load_manifest_file(k_examples + "platform.yaml");
  ASSERT_TRUE(result.ok());
  const std::string summary = summarize(*result.manifest);
  for (const char* needle : {"redis:", "server:", "worker:", "after redis, server",
                             "deploys overlap", "stage         production"}) {
    EXPECT_NE(summary.find(needle), std::string::npos) << needle << "\n" << summary;
  }
  const std::string json = to_json(*result.manifest, result.diagnostics);
  for (const char* needle : {"\"ok\": true", "\"name\": \"worker\"", "\"timeout_ms\": 30000",
                             "\"policy\": \"on-failure\""}) {
    EXPECT_NE(json.find(needle), std::string::npos) << needle << "\n" << json;
  }
}

}  // namespace
}  // namespace bosun::manifest
