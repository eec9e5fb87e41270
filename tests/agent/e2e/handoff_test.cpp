// deploy: handoff with the app servers bosun's users run (Debian's uvicorn and gunicorn, Node),
// through the real bosun-agent: the agent binds the service's socket and hands it to each
// instance as fd 3, so while a load loop makes one new connection per request, a deploy, a
// failed deploy, a rollback and an agent restart followed by another deploy cost no request.
// After each step the app is asked which version serves.

#include <signal.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include <gtest/gtest.h>

#include "agent_fixture.hpp"
#include "deploy_sandbox.hpp"
#include "git_repo.hpp"
#include "http_client.hpp"
#include "load_loop.hpp"

namespace bosun::test {
namespace {

using std::chrono::seconds;

struct ServerCase {
  std::string name;
  std::string app;              // folder under tests/apps/handoff
  std::string command;          // the manifest's command list, on the agent's socket
  std::string restart_command;  // ... binding its own port ({port}) instead
  std::string ready;            // a line of the new instance's own output
};

std::string apps_dir() {
  return std::string(BOSUN_SOURCE_DIR) + "/tests/apps/handoff";
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

  // `handoff` false: the same app binding its own port (Node's PORT), as with deploy: restart.
  std::string commit(const std::string& version, bool broken = false, bool handoff = true) {
    repo.write("VERSION", version + "\n");
    if (broken) {
      repo.write("BROKEN", "this release fails at start\n");
    } else {
      std::filesystem::remove(repo.path() + "/BROKEN");
    }
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
  EXPECT_EQ(agent.pid_of("web"), adopted);
  EXPECT_TRUE(agent.wait_for_state("web", "ready", seconds(20)));
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

  LoadSummary summary = summarize(load.stop());
  RecordProperty("load", summary.describe());
  EXPECT_EQ(summary.failed, 0) << summary.describe() << "\n"
                               << second.output << bad.output << back.output;
  EXPECT_GT(summary.versions["v1"], 0) << summary.describe();
  EXPECT_GT(summary.versions["v2"], 0) << summary.describe();
  EXPECT_EQ(summary.versions.count("v3"), 0U) << summary.describe();
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
        ServerCase{"Node", "node", "[node, server.js]", "[node, server.js]", "listening, version"}),
    [](const ::testing::TestParamInfo<ServerCase>& param) { return param.param.name; });

}  // namespace
}  // namespace bosun::test
