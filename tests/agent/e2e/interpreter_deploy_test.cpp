// Deploys of services run the way Python and Node users run theirs: programs from PATH
// (`python3 server.py`, `python3 -m http.server`, `node server.js`) whose code is read from
// the release. After every deploy the test asks each service which version it serves.

#include <signal.h>

#include <filesystem>

#include <gtest/gtest.h>

#include "agent_fixture.hpp"
#include "deploy_sandbox.hpp"
#include "git_repo.hpp"
#include "http_client.hpp"
#include "interpreter_app.hpp"

namespace bosun::test {
namespace {

using std::chrono::seconds;

class InterpreterDeployTest : public ::testing::Test {
 protected:
  std::string commit(const std::string& version, bool bad = false) {
    repo.write("app.yaml", "app: interp\nrepo: " + repo.path() +
                               "\nkeep_releases: " + std::to_string(keep_releases) + "\n" +
                               app.services_yaml() + app.verify_yaml());
    app.write_version(repo, version, bad);
    return repo.commit_all(version);
  }

  CliRun deploy(const std::string& sha) {
    return agent.cli(
        {"deploy", "--root", agent.root(), "--commit", sha, "--who", "tester", "--json"},
        seconds(120));
  }

  std::map<std::string, int> pids() {
    return {{"api", agent.pid_of("api")},
            {"files", agent.pid_of("files")},
            {"web", agent.pid_of("web")}};
  }

  // `deploy: overlap` for `service` ("api": python3 server.py, "web": node server.js).
  void overlap_without_a_shared_port(const std::string& service);

  int keep_releases = 3;
  AgentSandbox agent;
  TempDir source;
  GitRepo repo{source.path() + "/app"};
  InterpreterApp app;
};

TEST_F(InterpreterDeployTest, EveryDeployServesItsOwnVersionAndABadCommitRollsBack) {
  const std::string v1 = commit("v1");
  const std::string v2 = commit("v2");
  const std::string v3 = commit("v3", /*bad=*/true);
  agent.start_agent({"--repo", repo.path(), "--host", "127.0.0.1"});

  const CliRun first = deploy(v1);
  ASSERT_EQ(first.code, 0) << first.output;
  EXPECT_EQ(app.served(), InterpreterApp::all("v1"));
  const auto v1_pids = pids();

  const CliRun second = deploy(v2);
  ASSERT_EQ(second.code, 0) << second.output;
  EXPECT_EQ(run_result(second.output), "succeeded");
  EXPECT_EQ(app.served(), InterpreterApp::all("v2")) << second.output;
  for (const auto& [name, pid] : pids()) {
    EXPECT_NE(pid, v1_pids.at(name)) << name << " was not restarted";
    EXPECT_NE(::kill(v1_pids.at(name), 0), 0) << "the v1 " << name << " still runs";
  }
  EXPECT_NE(second.output.find("api: release content changed"), std::string::npos) << second.output;

  const CliRun bad = deploy(v3);
  EXPECT_EQ(bad.code, 1) << bad.output;
  EXPECT_EQ(run_result(bad.output), "rolled-back") << bad.output;
  // The failing instance's own traceback is the evidence.
  EXPECT_NE(bad.output.find("BOSUN_FIXTURE_SETTING_THAT_IS_NOT_SET"), std::string::npos)
      << bad.output;
  EXPECT_EQ(app.served(), InterpreterApp::all("v2")) << bad.output;
}

TEST_F(InterpreterDeployTest, TheFirstDeployReplacesWhatRanFromAManifestOutsideAnyRelease) {
  // `bosun-agent run -c app.yaml` supervises the services from the manifest's folder.
  const std::string v0 = commit("v0");
  agent.start_agent(
      {"-c", repo.path() + "/app.yaml", "--repo", repo.path(), "--host", "127.0.0.1"});
  ASSERT_TRUE(agent.wait_for_state("api", "ready", seconds(20)));
  ASSERT_TRUE(agent.wait_for_state("web", "ready", seconds(20)));
  ASSERT_TRUE(agent.wait_for_state("files", "ready", seconds(20)));
  EXPECT_EQ(app.served(), InterpreterApp::all("v0"));
  const auto outside = pids();

  const CliRun first = deploy(commit("v1"));
  ASSERT_EQ(first.code, 0) << first.output;
  EXPECT_NE(first.output.find("running outside any release"), std::string::npos) << first.output;
  EXPECT_EQ(app.served(), InterpreterApp::all("v1"));
  for (const auto& [name, pid] : outside) {
    EXPECT_NE(::kill(pid, 0), 0) << "the " << name << " started from the manifest still runs";
  }
}

// `deploy: overlap` for servers that cannot share their port (Python's HTTPServer, Node 20):
// the new instance fails with EADDRINUSE, the deploy says why, and the rollback ends with the
// old instance serving and supervised (not an untracked process the agent fights).
void InterpreterDeployTest::overlap_without_a_shared_port(const std::string& service) {
  {
    app.api_deploy = service == "api" ? "overlap" : "restart";
    app.web_deploy = service == "web" ? "overlap" : "restart";
    const std::string v1 = commit("v1-" + service);
    const std::string v2 = commit("v2-" + service);
    agent.start_agent({"--repo", repo.path(), "--host", "127.0.0.1"});
    const CliRun first = deploy(v1);
    ASSERT_EQ(first.code, 0) << first.output;
    const int serving = agent.pid_of(service);

    const CliRun run = deploy(v2);
    EXPECT_EQ(run.code, 1) << run.output;
    EXPECT_EQ(run_result(run.output), "rolled-back") << run.output;
    EXPECT_NE(run.output.find(service + " could not bind its port beside the running instance "
                                        "(EADDRINUSE): the running instance holds the port "
                                        "without SO_REUSEPORT"),
              std::string::npos)
        << run.output;
    // The evidence is the new instance's own output, not the old one's access log.
    EXPECT_NE(run.output.find(service == "api" ? "Address already in use" : "EADDRINUSE"),
              std::string::npos)
        << run.output;
    EXPECT_EQ(app.served(), InterpreterApp::all("v1-" + service));
    EXPECT_EQ(agent.pid_of(service), serving) << "the old instance is the service again";
    EXPECT_EQ(agent.state_of(service), "ready");
    EXPECT_EQ(agent.service(service)->getValue<int>("leaving"), 0);
    // ... and the agent can drive it: a restart replaces it.
    const CliRun restart =
        agent.cli({"restart", service, "--root", agent.root()}, std::chrono::seconds(30));
    EXPECT_EQ(restart.code, 0) << restart.output;
    EXPECT_TRUE(wait_until(
        [&] { return agent.pid_of(service) != serving && agent.state_of(service) == "ready"; },
        std::chrono::seconds(20)));
    EXPECT_EQ(app.served(), InterpreterApp::all("v1-" + service));
  }
}

TEST_F(InterpreterDeployTest, AnOverlapStartOfPythonsHttpServerIsNamedAndTheOldInstanceKept) {
  overlap_without_a_shared_port("api");
}

TEST_F(InterpreterDeployTest, AnOverlapStartOfNodeIsNamedAndTheOldInstanceKept) {
  overlap_without_a_shared_port("web");
}

// keep_releases counts good releases: three failed deploys in a row and a good one after them
// still leave the earlier good release to roll back to.
TEST_F(InterpreterDeployTest, ARunOfFailedDeploysNeverPrunesTheGoodReleaseToRollBackTo) {
  keep_releases = 2;
  const std::string v1 = commit("v1");
  const std::string v2 = commit("v2");
  const std::vector<std::string> bad{commit("v3", true), commit("v4", true), commit("v5", true)};
  const std::string v6 = commit("v6");
  agent.start_agent({"--repo", repo.path(), "--host", "127.0.0.1"});
  ASSERT_EQ(deploy(v1).code, 0);
  ASSERT_EQ(deploy(v2).code, 0);
  for (const std::string& sha : bad) {
    const CliRun run = deploy(sha);
    ASSERT_EQ(run_result(run.output), "rolled-back") << run.output;
    EXPECT_EQ(app.served(), InterpreterApp::all("v2"));
  }
  const CliRun good = deploy(v6);
  ASSERT_EQ(good.code, 0) << good.output;
  EXPECT_EQ(app.served(), InterpreterApp::all("v6"));
  const CliRun releases =
      agent.cli({"releases", "--root", agent.root(), "--json"}, std::chrono::seconds(30));
  for (const std::string& sha : bad) {
    EXPECT_EQ(releases.output.find(sha), std::string::npos) << "failed release kept\n"
                                                            << releases.output;
  }
  EXPECT_NE(releases.output.find(v2), std::string::npos) << releases.output;
  const CliRun back = agent.cli({"rollback", "--root", agent.root(), "--who", "tester", "--json"},
                                std::chrono::seconds(120));
  ASSERT_EQ(back.code, 0) << back.output;
  EXPECT_EQ(app.served(), InterpreterApp::all("v2"));
}

// An incident that no rollback can fix: the app's dependency (Redis here; a database the same
// way) stops. The agent's status names it, with evidence, and says a rollback cannot help; the
// credentials in the URLs never show.
TEST_F(InterpreterDeployTest, AFailingSharedDependencyIsNamedAndNoRollbackIsProposed) {
  RedisServer redis(source.path());
  const std::string port = std::to_string(redis.port());
  const std::string health_py = R"(import os, socket
from http.server import BaseHTTPRequestHandler, HTTPServer
host, port = os.environ["REDIS_URL"].rsplit("/", 1)[-1].split(":")


class Health(BaseHTTPRequestHandler):
    def do_GET(self):
        try:
            socket.create_connection((host, int(port)), timeout=1).close()
            status = 200
        except OSError:
            status = 503
        self.send_response(status)
        self.end_headers()

    def log_message(self, format, *args):
        pass


HTTPServer(("127.0.0.1", int(os.environ["PORT"])), Health).serve_forever()
)";
  const auto release = [&](const std::string& version) {
    repo.write("health.py", health_py);
    repo.write("VERSION", version);
    repo.write(
        "app.yaml",
        "app: deps\nrepo: " + repo.path() + "\nenv:\n  REDIS_URL: redis://127.0.0.1:" + port +
            "\n  DATABASE_URL: postgres://app:s3cret-pw@127.0.0.1:" + port +
            "/app\nservices:\n  api:\n    command: [python3, health.py]\n"
            "    env: {PORT: '" +
            std::to_string(app.python_port()) +
            "'}\n    ready: {http: {url: 'http://127.0.0.1:" + std::to_string(app.python_port()) +
            "/health'}, timeout: 5s}\n    liveness: {http: {url: "
            "'http://127.0.0.1:" +
            std::to_string(app.python_port()) +
            "/health'}, interval: 200ms, failures: 2}\n"
            "verify: {window: 0s, timeout: 10s}\n");
    return repo.commit_all(version);
  };
  const std::string v1 = release("v1");
  const std::string v2 = release("v2");
  agent.start_agent({"--repo", repo.path(), "--host", "127.0.0.1"});
  ASSERT_EQ(deploy(v1).code, 0);
  ASSERT_EQ(deploy(v2).code, 0);
  const CliRun healthy = agent.cli({"status", "--root", agent.root(), "--json"});
  EXPECT_EQ(healthy.code, 0) << healthy.output;
  EXPECT_NE(healthy.output.find("\"shared\":[]"), std::string::npos) << healthy.output;

  redis.stop();
  ASSERT_TRUE(wait_until([&] { return agent.state_of("api") != "ready"; }, seconds(20)));
  const CliRun sick = agent.cli({"status", "--root", agent.root(), "--json"});
  EXPECT_EQ(sick.code, 1) << sick.output;
  EXPECT_NE(sick.output.find("\"what\":\"REDIS_URL (redis at 127.0.0.1:" + port + ")\""),
            std::string::npos)
      << sick.output;
  EXPECT_NE(sick.output.find("\"what\":\"DATABASE_URL (the postgres database at 127.0.0.1:" + port +
                             ")\""),
            std::string::npos)
      << sick.output;
  EXPECT_NE(sick.output.find("\"rollback_can_help\":false"), std::string::npos) << sick.output;
  EXPECT_EQ(sick.output.find("s3cret-pw"), std::string::npos) << sick.output;
  const CliRun text = agent.cli({"status", "--root", agent.root()});
  EXPECT_NE(text.output.find("a rollback cannot help"), std::string::npos) << text.output;
  EXPECT_EQ(text.output.find("s3cret-pw"), std::string::npos) << text.output;
}

// During an incident people name the release the way they know it: a full commit sha pasted
// from GitHub, a short one, or a tag.
TEST_F(InterpreterDeployTest, RollbackTakesAFullShaAShortOneOrATag) {
  const std::string v1 = commit("v1");
  repo.git({"tag", "release-1"});
  const std::string v2 = commit("v2");
  const std::string v3 = commit("v3");
  agent.start_agent({"--repo", repo.path(), "--host", "127.0.0.1"});
  for (const std::string& sha : {v1, v2, v3}) {
    ASSERT_EQ(deploy(sha).code, 0);
  }
  const auto rollback_to = [&](const std::string& wanted) {
    return agent.cli({"rollback", "--root", agent.root(), "--who", "tester", "--to", wanted},
                     seconds(60));
  };
  const CliRun full = rollback_to(v2);
  ASSERT_EQ(full.code, 0) << full.output;
  EXPECT_EQ(app.served(), InterpreterApp::all("v2"));
  const CliRun tag = rollback_to("release-1");
  ASSERT_EQ(tag.code, 0) << tag.output;
  EXPECT_EQ(app.served(), InterpreterApp::all("v1"));
  const CliRun short_sha = rollback_to(v3.substr(0, 10));
  ASSERT_EQ(short_sha.code, 0) << short_sha.output;
  EXPECT_EQ(app.served(), InterpreterApp::all("v3"));
  const CliRun unknown = rollback_to("no-such-tag");
  EXPECT_EQ(unknown.code, 2) << unknown.output;
  EXPECT_NE(unknown.output.find("no release matches \"no-such-tag\""), std::string::npos)
      << unknown.output;
}

// Flask users' server: gunicorn from PATH (Debian's, on /usr/bin/python3) with two workers
// importing wsgi.py from the release. Asked its version after each deploy and the rollback.
TEST_F(InterpreterDeployTest, GunicornServesEachDeployedVersionAndTheRolledBackOne) {
  const unsigned short port = app.python_port();
  const auto release = [&](const std::string& version) {
    repo.write("VERSION", version + "\n");
    repo.write("wsgi.py", R"(import os
VERSION = open("VERSION").read().strip()


def app(environ, start_response):
    body = ('{"version": "%s", "pid": %d}' % (VERSION, os.getpid())).encode()
    start_response("200 OK", [("Content-Type", "application/json"),
                              ("Content-Length", str(len(body)))])
    return [body]
)");
    repo.write("app.yaml", "app: flask-like\nrepo: " + repo.path() +
                               "\nservices:\n  web:\n    command: [gunicorn, --bind, '127.0.0.1:" +
                               std::to_string(port) +
                               "', --workers, '2', 'wsgi:app']\n    ready: {http: {url: "
                               "'http://127.0.0.1:" +
                               std::to_string(port) +
                               "/health'}, timeout: 15s}\n    stop: {timeout: 5s}\n"
                               "verify: {window: 500ms, timeout: 15s}\n");
    return repo.commit_all(version);
  };
  const auto served = [&]() -> std::string {
    try {
      return http(port, "GET", "/health").json()->getValue<std::string>("version");
    } catch (const std::exception&) {
      return "";
    }
  };
  const std::string v1 = release("v1");
  const std::string v2 = release("v2");
  agent.start_agent({"--repo", repo.path(), "--host", "127.0.0.1"});
  const CliRun first = deploy(v1);
  ASSERT_EQ(first.code, 0) << first.output;
  EXPECT_EQ(served(), "v1");
  const CliRun second = deploy(v2);
  ASSERT_EQ(second.code, 0) << second.output;
  EXPECT_EQ(served(), "v2") << second.output;
  const CliRun back =
      agent.cli({"rollback", "--root", agent.root(), "--who", "tester"}, seconds(60));
  ASSERT_EQ(back.code, 0) << back.output;
  EXPECT_EQ(served(), "v1") << back.output;
}

// Verify's own proof, past the restart rule: a service of the release whose process runs from
// nowhere in it (here it leaves the release directory and names nothing in it) is a failed
// deploy with the evidence, never "succeeded".
TEST_F(InterpreterDeployTest, AServiceNotRunningFromTheDeployedReleaseFailsVerify) {
  repo.write("app.yaml",
             "app: interp\nrepo: " + repo.path() +
                 "\nservices:\n  drifter:\n"
                 "    command: [/usr/bin/python3, -c, \"import os, time; os.chdir('/'); "
                 "print('listening', flush=True); time.sleep(60)\"]\n"
                 "    ready: {log: listening, timeout: 8s}\n"
                 "    stop: {timeout: 2s}\n"
                 "verify: {window: 0s, timeout: 5s}\n");
  const std::string sha = repo.commit_all("drifter");
  agent.start_agent({"--repo", repo.path(), "--host", "127.0.0.1"});
  const CliRun run = deploy(sha);
  EXPECT_EQ(run.code, 1) << run.output;
  EXPECT_EQ(run_result(run.output), "failed") << run.output;
  EXPECT_NE(run.output.find("drifter is not running the deployed release: pid"), std::string::npos)
      << run.output;
  EXPECT_NE(run.output.find("runs in / "), std::string::npos) << run.output;
}

}  // namespace
}  // namespace bosun::test
