// Network checks against real servers on loopback: a canned HTTP server made here (JSON, an
// HTML error page, slow answers), a real redis-server, and a TLS endpoint served by
// `openssl s_server` with a certificate made in the test.

#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <thread>

#include <gtest/gtest.h>

#include "bosun/checks/check_runner.hpp"
#include "bosun/checks/host_checks.hpp"
#include "bosun/manifest/loader.hpp"
#include "child_process.hpp"
#include "http_stub.hpp"

namespace bosun::checks {
namespace {

using std::chrono::milliseconds;

using test::CannedHttpServer;
using test::http_response;

manifest::HttpCheck http_check(const std::string& yaml) {
  const auto loaded = manifest::parse_manifest(
      "app: a\nrepo: r\nservices: {web: {command: [x], ready: {http: " + yaml + "}}}\n", "a.yaml");
  EXPECT_TRUE(loaded.ok()) << manifest::format_diagnostics(loaded.diagnostics);
  return std::get<manifest::HttpCheck>(loaded.manifest->services[0].ready->check.kind);
}

CheckContext quick() {
  CheckContext context;
  context.timeout = milliseconds(2000);
  return context;
}

const std::string k_ready_json =
    R"({"status":"ready","pid":42,"checks":{"redis":{"ok":true},"schema":{"version":4}}})";

TEST(HttpChecks, StatusBodyAndJsonFields) {
  CannedHttpServer server(http_response(200, "application/json; charset=utf-8", k_ready_json));
  const std::string url = server.url("/ready");
  EXPECT_TRUE(run_http_check(http_check("{url: \"" + url + "\"}"), quick()).passed());
  const auto fields = run_http_check(http_check("{url: \"" + url +
                                                "\", json: {status: ready, checks.redis.ok: true, "
                                                "checks.schema.version: 4}}"),
                                     quick());
  EXPECT_TRUE(fields.passed()) << fields.evidence;
  const auto wrong = run_http_check(
      http_check("{url: \"" + url + "\", json: {checks.schema.version: 5}}"), quick());
  EXPECT_EQ(wrong.status, Status::fail);
  EXPECT_NE(wrong.evidence.find("checks.schema.version is \"4\", expected \"5\""),
            std::string::npos)
      << wrong.evidence;
  const auto missing =
      run_http_check(http_check("{url: \"" + url + "\", json: {checks.db.ok: true}}"), quick());
  EXPECT_NE(missing.evidence.find("checks.db.ok is missing"), std::string::npos);
  const auto status = run_http_check(http_check("{url: \"" + url + "\", status: 204}"), quick());
  EXPECT_NE(status.evidence.find("expected 204"), std::string::npos) << status.evidence;
  EXPECT_FALSE(status.body_mismatch);
  // A body without the expected text is told apart (the supervisor's ${pid} probes use it).
  const auto other =
      run_http_check(http_check("{url: \"" + url + "\", body_contains: '\"pid\":1'}"), quick());
  EXPECT_EQ(other.status, Status::fail);
  EXPECT_TRUE(other.body_mismatch) << other.evidence;
}

// The seed incident: the API answered with a proxy's HTML error page instead of JSON.
TEST(HttpChecks, AnHtmlErrorPageWhereJsonIsExpectedIsNamed) {
  CannedHttpServer proxy(http_response(
      200, "text/html", "<!DOCTYPE html><html><body><h1>502 Bad Gateway</h1></body></html>"));
  const auto result = run_http_check(
      http_check("{url: \"" + proxy.url("/api/users") + "\", content_type: json}"), quick());
  EXPECT_EQ(result.status, Status::fail);
  EXPECT_NE(result.evidence.find("Content-Type \"text/html\", expected application/json"),
            std::string::npos)
      << result.evidence;
  EXPECT_NE(result.action.find("HTML page answered where the API should"), std::string::npos)
      << result.action;
  // json fields imply a JSON content type.
  const auto implied =
      run_http_check(http_check("{url: \"" + proxy.url("/") + "\", json: {status: ok}}"), quick());
  EXPECT_NE(implied.evidence.find("expected application/json"), std::string::npos);
}

TEST(HttpChecks, LatencyBoundAndUnreachable) {
  CannedHttpServer slow(http_response(200, "application/json", "{}"), milliseconds(150));
  const auto result =
      run_http_check(http_check("{url: \"" + slow.url("/") + "\", max_latency: 50ms}"), quick());
  EXPECT_NE(result.evidence.find("slower than 50ms"), std::string::npos) << result.evidence;
  const auto refused = run_http_check(
      http_check("{url: \"http://127.0.0.1:" + std::to_string(test::free_port()) + "/\"}"),
      quick());
  EXPECT_NE(refused.evidence.find("cannot connect"), std::string::npos) << refused.evidence;
}

TEST(RedisAndTcpChecks, AgainstARealRedis) {
  test::TempDir dir;
  test::RedisServer redis(dir.path());
  EXPECT_TRUE(run_redis_check({"127.0.0.1", redis.port(), ""}, quick()).passed());
  EXPECT_TRUE(run_tcp_check({"127.0.0.1", redis.port()}, quick()).passed());
  redis.stop();
  EXPECT_EQ(run_redis_check({"127.0.0.1", redis.port(), ""}, quick()).status, Status::fail);
  EXPECT_EQ(run_tcp_check({"127.0.0.1", redis.port()}, quick()).status, Status::fail);
}

TEST(CertificateChecks, ATlsEndpointsExpiry) {
  test::TempDir dir;
  const std::string key = dir.path() + "/key.pem";
  const std::string cert = dir.path() + "/cert.pem";
  test::ChildProcess make({{"openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-subj",
                            "/CN=localhost", "-days", "10", "-keyout", key, "-out", cert},
                           {},
                           dir.path(),
                           dir.path() + "/req.log"});
  ASSERT_TRUE(make.wait(std::chrono::seconds(30)).has_value());
  const unsigned short port = test::free_port();
  test::ChildProcess server({{"openssl", "s_server", "-accept", "127.0.0.1:" + std::to_string(port),
                              "-cert", cert, "-key", key, "-www", "-quiet"},
                             {},
                             dir.path(),
                             dir.path() + "/s_server.log"});
  ASSERT_TRUE(test::wait_until(
      [&] {
        return run_tcp_check({"127.0.0.1", port}, quick()).passed();
      },
      std::chrono::seconds(10)))
      << server.output();
  const auto soon = check_certificate_endpoint("127.0.0.1", port, milliseconds(3000), 14);
  EXPECT_EQ(soon.status, Status::warn) << soon.evidence;
  EXPECT_TRUE(soon.evidence.find("expires in 9 day(s)") != std::string::npos ||
              soon.evidence.find("expires in 10 day(s)") != std::string::npos)
      << soon.evidence;
  EXPECT_TRUE(check_certificate_endpoint("127.0.0.1", port, milliseconds(3000), 5).passed());
  // A port that does not speak TLS.
  CannedHttpServer plain(http_response(200, "text/plain", "hello"));
  const auto no_tls = check_certificate_endpoint("127.0.0.1", plain.port(), milliseconds(3000));
  EXPECT_EQ(no_tls.status, Status::fail);
  EXPECT_NE(no_tls.evidence.find("no TLS handshake"), std::string::npos) << no_tls.evidence;
}

}  // namespace
}  // namespace bosun::checks
