// Zero downtime with the app servers bosun's users run (Debian's uvicorn, gunicorn and
// hypercorn, Node), through the real bosun-agent, while a load loop makes one new connection
// per request:
// - deploy: handoff: the agent binds the service's socket and hands it to each instance as
//   fd 3: a deploy, a failed deploy, a rollback and an agent restart followed by another
//   deploy cost no request;
// - deploy: proxy: each instance on its own port behind a real nginx (run by
//   `bosun-agent nginx-server`), the upstream switched, the old instance drained: the same
//   runs cost no request, and an nginx config that fails `nginx -t` leaves the old upstream.
// After each step the app is asked which version serves.

#include <signal.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#include <Poco/JSON/Parser.h>
#include <gtest/gtest.h>

#include "agent_fixture.hpp"
#include "deploy_sandbox.hpp"
#include "git_repo.hpp"
#include "http_client.hpp"
#include "http_stub.hpp"
#include "load_loop.hpp"
#include "proxy/nginx_upstream.hpp"

namespace bosun::test {
namespace {

using std::chrono::seconds;

struct ServerCase {
  std::string name;
  std::string app;              // folder under tests/apps/zero-downtime
  std::string command;          // the manifest's command list, on the agent's socket
  std::string restart_command;  // ... binding its own port ({port}) instead (also for proxy)
  std::string ready;            // a line of the new instance's own output
};

std::string apps_dir() {
  return std::string(BOSUN_SOURCE_DIR) + "/tests/apps/zero-downtime";
}

std::string read_file(const std::string& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

class HandOff : public ::testing::TestWithParam<ServerCase> {
 protected:
  void SetUp() override {
    for (const auto& entry :
         std::filesystem::directory_iterator(apps_dir() + "/" + GetParam().app)) {
      repo.write(entry.path().filename().string(), read_file(entry.path().string()));
    }
  }

  // VERSION, and BROKEN for a release that fails at start.
  void write_version(const std::string& version, bool broken) {
    repo.write("VERSION", version + "\n");
    if (broken) {
      repo.write("BROKEN", "this release fails at start\n");
    } else {
      std::filesystem::remove(repo.path() + "/BROKEN");
    }
  }

  // The load loop stopped: no request failed; v1 and v2 answered, the broken v3 never did.
  // The old instance gets its stop signal only once new connections go to its replacement's
  // socket and it has accepted and finished what it had (behind nginx: once nothing reaches
  // it), so nothing it could drop arrives after that.
  void expect_no_request_lost(LoadLoop& load, const std::string& runs) {
    LoadSummary summary = summarize(load.stop());
    RecordProperty("load", summary.describe());
    EXPECT_EQ(summary.refused, 0) << summary.describe() << "\n" << runs;
    EXPECT_EQ(summary.failed, 0) << summary.describe() << "\n" << runs;
    EXPECT_GT(summary.versions["v1"], 0) << summary.describe();
    EXPECT_GT(summary.versions["v2"], 0) << summary.describe();
    EXPECT_EQ(summary.versions.count("v3"), 0U) << summary.describe();
  }

  // `handoff` false: the same app binding its own port (Node's PORT), as with deploy: restart.
  std::string commit(const std::string& version, bool broken = false, bool handoff = true) {
    write_version(version, broken);
    const std::string port_text = std::to_string(port);
    std::string command = handoff ? GetParam().command : GetParam().restart_command;
    if (const std::size_t at = command.find("{port}"); at != std::string::npos) {
      command.replace(at, 6, port_text);
    }
    const std::string socket =
        handoff ? "\n    listen: 127.0.0.1:" + port_text + "\n    deploy: handoff"
                : "\n    env: {PORT: \"" + port_text + "\"}\n    deploy: restart";
    repo.write("app.yaml", "app: handoff\nrepo: " + repo.path() +
                               "\nservices:\n  web:\n    command: " + command + socket +
                               "\n    ready: {log: \"" + GetParam().ready +
                               "\", timeout: 20s}\n"
                               "    stop: {signal: TERM, timeout: 15s}\n"
                               "    restart: {backoff: {initial: 200ms, max: 1s}}\n"
                               "verify:\n  window: 1s\n  checks:\n"
                               "    - http: {url: \"http://127.0.0.1:" +
                               port_text + "/version\", status: 200}\n");
    return repo.commit_all(version);
  }

  CliRun run(std::vector<std::string> args) {
    args.insert(args.begin() + 1, {"--root", agent.root(), "--json", "--who", "tester"});
    return agent.cli(args, seconds(120));
  }

  // Hand-overs in which new connections were steered to the new instance's own socket.
  int steered_handovers() {
    int steered = 0;
    for (const auto& event : agent.events()) {
      steered += event.at("kind") == "socket" &&
                 event.at("detail") == "new connections go to the new instance; the old one drains";
    }
    return steered;
  }

  std::string serving() {
    const HttpResult reply = http(port, "GET", "/version");
    return reply.status == 200 ? reply.json()->getValue<std::string>("version") : "";
  }

  unsigned short port = free_port();
  AgentSandbox agent;
  TempDir source;
  GitRepo repo{source.path() + "/app"};
};

TEST_P(HandOff, DeployFailedDeployRollbackAndAgentRestartCostNoRequest) {
  const std::string v1 = commit("v1");
  const std::string v2 = commit("v2");
  const std::string v3 = commit("v3", true);
  agent.start_agent({"--repo", repo.path(), "--host", "127.0.0.1"});
  const CliRun first = run({"deploy", "--commit", v1});
  ASSERT_EQ(first.code, 0) << first.output << agent.agent().output();
  ASSERT_EQ(serving(), "v1");

  LoadLoop load(port);
  ASSERT_TRUE(load.wait_for_answers(20, seconds(20))) << summarize(load.samples()).describe();

  const CliRun second = run({"deploy", "--commit", v2});
  ASSERT_EQ(second.code, 0) << second.output;
  EXPECT_EQ(serving(), "v2");
  EXPECT_EQ(steered_handovers(), 1);
  EXPECT_TRUE(load.wait_for_answers(20, seconds(20)));

  // v3 fails at start: the v2 instance never stops serving.
  const CliRun bad = run({"deploy", "--commit", v3});
  EXPECT_EQ(bad.code, 1) << bad.output;
  EXPECT_EQ(run_result(bad.output), "rolled-back") << bad.output;
  EXPECT_EQ(serving(), "v2") << bad.output;
  EXPECT_TRUE(load.wait_for_answers(20, seconds(20)));

  const CliRun back = run({"rollback"});
  ASSERT_EQ(back.code, 0) << back.output;
  EXPECT_EQ(serving(), "v1");
  EXPECT_TRUE(load.wait_for_answers(20, seconds(20)));

  // The agent dies: the instance keeps serving on its copy of the socket; the new agent adopts
  // it, takes the socket back, and hands it to the next release.
  const int adopted = agent.pid_of("web");
  agent.kill_agent();
  EXPECT_TRUE(load.wait_for_answers(20, seconds(20)));
  agent.start_agent({"--repo", repo.path(), "--host", "127.0.0.1"});
  EXPECT_TRUE(agent.wait_for_state("web", "ready", seconds(20)));
  EXPECT_EQ(agent.pid_of("web"), adopted);  // adopted, not restarted
  bool taken_back = false;
  for (const auto& event : agent.events()) {
    taken_back = taken_back || (event.at("kind") == "socket" &&
                                event.at("detail").starts_with("took the listening socket"));
  }
  EXPECT_TRUE(taken_back) << "no journal entry says the socket was taken back";
  const CliRun after_restart = run({"deploy", "--commit", v2});
  ASSERT_EQ(after_restart.code, 0) << after_restart.output;
  EXPECT_EQ(serving(), "v2");
  EXPECT_NE(agent.pid_of("web"), adopted);
  EXPECT_TRUE(load.wait_for_answers(20, seconds(20)));
  EXPECT_EQ(steered_handovers(), 3) << "the deploy, the rollback, the deploy after the restart";

  expect_no_request_lost(load, second.output + bad.output + back.output);
  agent.cli({"stop-all", "--root", agent.root()}, seconds(60));
}

// The agent killed in the middle of a hand-over (the new instance still starting, the old one
// serving): both keep running, the new agent adopts them and takes the socket back, and the
// service answers throughout; a deploy after that hands over as usual.
TEST_P(HandOff, TheAgentKilledDuringAHandOverLosesNoRequest) {
  const std::string v1 = commit("v1");
  repo.write("SLOW", "starts serving after 3 s\n");
  const std::string v2 = commit("v2");
  std::filesystem::remove(repo.path() + "/SLOW");
  const std::string v3 = commit("v3");
  agent.start_agent({"--repo", repo.path(), "--host", "127.0.0.1"});
  ASSERT_EQ(run({"deploy", "--commit", v1}).code, 0);
  LoadLoop load(port);
  ASSERT_TRUE(load.wait_for_answers(20, seconds(20)));

  std::thread deploy([&] { run({"deploy", "--commit", v2}); });
  const auto deadline = std::chrono::steady_clock::now() + seconds(20);
  bool handing_over = false;
  while (!handing_over && std::chrono::steady_clock::now() < deadline) {
    handing_over = agent.service("web")->getValue<int>("leaving") == 1;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  ASSERT_TRUE(handing_over) << "the hand-over never began";
  agent.kill_agent();
  deploy.join();
  EXPECT_TRUE(load.wait_for_answers(20, seconds(20)));
  agent.start_agent({"--repo", repo.path(), "--host", "127.0.0.1"});
  EXPECT_TRUE(agent.wait_for_state("web", "ready", seconds(30)));
  // The new agent finishes or rolls back the interrupted deploy (crash recovery) first.
  std::string recovered;
  const auto recovery_deadline = std::chrono::steady_clock::now() + seconds(90);
  while (std::chrono::steady_clock::now() < recovery_deadline) {
    const CliRun history = agent.cli({"history", "--root", agent.root(), "--json", "-n", "1"});
    if (history.code == 0) {
      Poco::JSON::Parser parser;
      const auto runs =
          parser.parse(history.output).extract<Poco::JSON::Object::Ptr>()->getArray("runs");
      recovered = runs->getObject(0)->getValue<std::string>("result") + ": " +
                  runs->getObject(0)->getValue<std::string>("reason");
      if (!recovered.starts_with("interrupted") && !recovered.starts_with("running")) {
        break;
      }
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
  EXPECT_TRUE(recovered.starts_with("rolled-back") || recovered.starts_with("succeeded"))
      << recovered;
  EXPECT_TRUE(load.wait_for_answers(20, seconds(20)));
  const int steered_before = steered_handovers();
  const CliRun after = run({"deploy", "--commit", v3});
  ASSERT_EQ(after.code, 0) << after.output << "\nthe interrupted deploy: " << recovered;
  EXPECT_EQ(serving(), "v3");
  // The sockets taken back from both instances: the new agent steers the next hand-over too.
  EXPECT_EQ(steered_handovers(), steered_before + 1);
  EXPECT_TRUE(load.wait_for_answers(20, seconds(20)));
  LoadSummary summary = summarize(load.stop());
  RecordProperty("load", summary.describe());
  EXPECT_EQ(summary.refused, 0) << summary.describe();
  EXPECT_EQ(summary.failed, 0) << summary.describe();
  EXPECT_GT(summary.versions["v3"], 0) << summary.describe();
  agent.cli({"stop-all", "--root", agent.root()}, seconds(60));
}

// The control: the same server binding its own port, with deploy: restart, refuses
// connections between the old instance and the new one, and the load loop counts them.
TEST_P(HandOff, WithoutTheAgentsSocketARestartLosesRequests) {
  const std::string v1 = commit("v1", false, false);
  const std::string v2 = commit("v2", false, false);
  agent.start_agent({"--repo", repo.path(), "--host", "127.0.0.1"});
  ASSERT_EQ(run({"deploy", "--commit", v1}).code, 0);
  ASSERT_EQ(serving(), "v1");
  LoadLoop load(port);
  ASSERT_TRUE(load.wait_for_answers(20, seconds(20)));
  const CliRun second = run({"deploy", "--commit", v2});
  ASSERT_EQ(second.code, 0) << second.output;
  EXPECT_EQ(serving(), "v2");
  EXPECT_TRUE(load.wait_for_answers(20, seconds(20)));
  const LoadSummary summary = summarize(load.stop());
  EXPECT_GT(summary.failed, 0) << summary.describe();
  agent.cli({"stop-all", "--root", agent.root()}, seconds(60));
}

// deploy: proxy behind nginx run by the agent itself: nginx listens on `front`, each instance of
// web on a port of its own from `first_port`.. (the command binding ${port}).
class Proxied : public HandOff {
 protected:
  std::string commit_proxied(const std::string& version, bool broken = false) {
    write_version(version, broken);
    std::string command = GetParam().restart_command;
    if (const std::size_t at = command.find("{port}"); at != std::string::npos) {
      command.replace(at, 6, "${port}");
    }
    const std::string front_text = std::to_string(front);
    const std::string conf = "${shared}/nginx/nginx.conf";
    repo.write(
        "app.yaml",
        "app: shop\nrepo: " + repo.path() + "\nservices:\n  nginx:\n    command: [" +
            BOSUN_AGENT_BIN +
            ", nginx-server, --dir, '${shared}/nginx', --listen, '127.0.0.1:" + front_text +
            "', --upstream, shop_web, --upstream-file, '${shared}/proxy/upstreams/web.conf']\n"
            "    cwd: ${shared}\n    ready: {tcp: " +
            front_text +
            ", timeout: 20s}\n    stop: {signal: QUIT, timeout: 20s}\n"
            "  web:\n    command: " +
            command +
            "\n    env: {PORT: \"${port}\"}\n    depends_on: [nginx]\n    deploy: proxy\n"
            "    proxy:\n      ports: " +
            std::to_string(first_port) + "-" + std::to_string(first_port + 9) +
            "\n      test: [/usr/sbin/nginx, -t, -q, -c, '" + conf +
            "']\n      reload: [/usr/sbin/nginx, -s, reload, -c, '" + conf +
            "']\n      pid_file: '${shared}/nginx/nginx.pid'\n      drain_timeout: 10s\n"
            "    ready: {http: 'http://127.0.0.1:${port}/version', timeout: 20s}\n"
            "    stop: {signal: TERM, timeout: 15s}\n"
            "    restart: {backoff: {initial: 200ms, max: 1s}}\n"
            "verify:\n  window: 1s\n  checks:\n    - http: {url: \"http://127.0.0.1:" +
            front_text + "/version\", status: 200}\n");
    return repo.commit_all(version);
  }
  std::string serving_through_nginx() {
    const HttpResult reply = http(front, "GET", "/version");
    return reply.status == 200 ? reply.json()->getValue<std::string>("version") : "";
  }
  std::string upstream_file() const {
    return read_file(agent.root() + "/shared/proxy/upstreams/web.conf");
  }

  unsigned short front = free_port();
  unsigned short first_port = free_port();
};

TEST_P(Proxied, DeployFailedDeployRollbackAndARefusedNginxConfigCostNoRequest) {
  const std::string v1 = commit_proxied("v1");
  const std::string v2 = commit_proxied("v2");
  const std::string v3 = commit_proxied("v3", true);
  agent.start_agent({"--repo", repo.path(), "--host", "127.0.0.1"});
  const CliRun first = run({"deploy", "--commit", v1});
  ASSERT_EQ(first.code, 0) << first.output << agent.agent().output();
  ASSERT_EQ(serving_through_nginx(), "v1");

  LoadLoop load(front);
  ASSERT_TRUE(load.wait_for_answers(20, seconds(20))) << summarize(load.samples()).describe();
  const CliRun second = run({"deploy", "--commit", v2});
  ASSERT_EQ(second.code, 0) << second.output;
  EXPECT_EQ(serving_through_nginx(), "v2");
  EXPECT_TRUE(load.wait_for_answers(20, seconds(20)));

  const CliRun bad = run({"deploy", "--commit", v3});
  EXPECT_EQ(bad.code, 1) << bad.output;
  EXPECT_EQ(run_result(bad.output), "rolled-back") << bad.output;
  EXPECT_EQ(serving_through_nginx(), "v2");
  EXPECT_TRUE(load.wait_for_answers(20, seconds(20)));

  const CliRun back = run({"rollback"});
  ASSERT_EQ(back.code, 0) << back.output;
  EXPECT_EQ(serving_through_nginx(), "v1");
  EXPECT_TRUE(load.wait_for_answers(20, seconds(20)));

  // Someone breaks nginx's configuration: the next switch fails `nginx -t`, the old upstream
  // file is put back, v1 keeps serving, the deploy says why.
  const std::string conf = agent.root() + "/shared/nginx/nginx.conf";
  const std::string good_conf = read_file(conf);
  const std::string upstream_before = upstream_file();
  std::ofstream(conf, std::ios::app) << "this is not a directive;\n";
  const CliRun refused = run({"deploy", "--commit", v2});
  EXPECT_EQ(refused.code, 1) << refused.output;
  EXPECT_NE(refused.output.find("nginx did not take the new instance"), std::string::npos)
      << refused.output;
  EXPECT_EQ(upstream_file(), upstream_before);
  EXPECT_EQ(serving_through_nginx(), "v1");
  EXPECT_TRUE(load.wait_for_answers(20, seconds(20)));
  std::ofstream(conf, std::ios::trunc) << good_conf;

  expect_no_request_lost(load, second.output + bad.output + back.output);
  agent.cli({"stop-all", "--root", agent.root()}, seconds(60));
}

// `bosun-agent nginx-server` for a host without nginx: the generated configuration serves the
// upstream over plain HTTP and over TLS with the user's certificate and key (a self-signed one
// made here), and nginx stops gracefully on SIGQUIT.
TEST(NginxServer, ServesTheUpstreamOverHttpAndTlsWithTheUsersCertificate) {
  TempDir dir;
  CannedHttpServer app(http_response(200, "application/json", "{\"version\": \"v1\"}"));
  const auto [made, made_output] =
      run_tool({"openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout",
                dir.path() + "/key.pem", "-out", dir.path() + "/cert.pem", "-days", "1", "-subj",
                "/CN=localhost"},
               dir.path());
  ASSERT_EQ(made, 0) << made_output;
  agent::supervise::ProxyPlan plan;
  plan.name = "shop_web";
  const std::string upstream = dir.path() + "/upstreams/web.conf";
  std::filesystem::create_directories(dir.path() + "/upstreams");
  std::ofstream(upstream) << agent::proxy::upstream_file_text(plan, app.port());
  const unsigned short plain = free_port();
  const unsigned short tls = free_port();
  ChildProcess nginx(
      {{BOSUN_AGENT_BIN, "nginx-server", "--dir", dir.path() + "/nginx", "--listen",
        "127.0.0.1:" + std::to_string(plain), "--tls-listen", "127.0.0.1:" + std::to_string(tls),
        "--certificate", dir.path() + "/cert.pem", "--key", dir.path() + "/key.pem", "--upstream",
        "shop_web", "--upstream-file", upstream},
       {"PATH=/usr/sbin:/usr/bin:/sbin:/bin"},
       dir.path(),
       dir.path() + "/nginx.out"});
  std::string over_tls;
  const auto deadline = std::chrono::steady_clock::now() + seconds(15);
  while (over_tls.find("v1") == std::string::npos && std::chrono::steady_clock::now() < deadline) {
    over_tls = run_tool({"curl", "-sk", "--max-time", "2",
                         "https://127.0.0.1:" + std::to_string(tls) + "/version"},
                        dir.path())
                   .second;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  EXPECT_NE(over_tls.find("\"version\": \"v1\""), std::string::npos) << nginx.output();
  const HttpResult over_http = http(plain, "GET", "/version");
  EXPECT_EQ(over_http.status, 200) << nginx.output();
  EXPECT_NE(over_http.body.find("v1"), std::string::npos);
  EXPECT_NE(read_file(dir.path() + "/nginx/nginx.conf").find("ssl_certificate " + dir.path()),
            std::string::npos);
  nginx.signal(SIGQUIT);
  EXPECT_TRUE(nginx.wait(seconds(15)).has_value()) << "nginx did not stop on SIGQUIT";
}

INSTANTIATE_TEST_SUITE_P(
    Servers, HandOff,
    ::testing::Values(
        ServerCase{"Uvicorn", "uvicorn",
                   "[/usr/bin/python3, -m, uvicorn, asgi:app, --fd, \"${listen_fd}\", "
                   "--lifespan, \"on\"]",
                   "[/usr/bin/python3, -m, uvicorn, asgi:app, --port, \"{port}\", --lifespan, "
                   "\"on\"]",
                   "Uvicorn running on"},
        ServerCase{"Gunicorn", "gunicorn",
                   "[/usr/bin/python3, -m, gunicorn, --preload, --workers, \"2\", wsgi:app]",
                   "[/usr/bin/python3, -m, gunicorn, --preload, --workers, \"2\", --bind, "
                   "\"127.0.0.1:{port}\", wsgi:app]",
                   "Listening at:"},
        ServerCase{"Node", "node", "[node, server.js]", "[node, server.js]", "listening, version"},
        // The same ASGI app under Debian's hypercorn, on fd://3 (DEPLOY.md's snippet).
        ServerCase{"Hypercorn", "uvicorn",
                   "[/usr/bin/python3, -m, hypercorn, --bind, \"fd://${listen_fd}\", asgi:app]",
                   "[/usr/bin/python3, -m, hypercorn, --bind, \"127.0.0.1:{port}\", asgi:app]",
                   "Running on"}),
    [](const ::testing::TestParamInfo<ServerCase>& param) { return param.param.name; });

INSTANTIATE_TEST_SUITE_P(
    Servers, Proxied,
    ::testing::Values(
        ServerCase{"Uvicorn", "uvicorn", "",
                   "[/usr/bin/python3, -m, uvicorn, asgi:app, --port, \"{port}\", --lifespan, "
                   "\"on\"]",
                   ""},
        ServerCase{"Gunicorn", "gunicorn", "",
                   "[/usr/bin/python3, -m, gunicorn, --preload, --workers, \"2\", --bind, "
                   "\"127.0.0.1:{port}\", wsgi:app]",
                   ""},
        ServerCase{"Node", "node", "", "[node, server.js]", ""}),
    [](const ::testing::TestParamInfo<ServerCase>& param) { return param.param.name; });

}  // namespace
}  // namespace bosun::test
