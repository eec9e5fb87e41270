// Issue 17: a service that runs as a container, on a real dockerd started by the test (host
// networking only, no registry: the image is built in each release FROM a busybox imported
// from a tarball). Through the real bosun-agent: each deploy builds the release's image and the
// container serves that release's VERSION; a crashed container is restarted; the agent killed
// and started again adopts the running container without restarting it; a rollback runs the
// previous release's image without building; stop-all leaves no container behind. A bad
// Dockerfile fails the deploy naming its line; a missing one is a manifest error with its
// file:line:col before anything runs.
#include <signal.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

#include <gtest/gtest.h>

#include "agent_fixture.hpp"
#include "bosun/common/text_file.hpp"
#include "child_process.hpp"
#include "docker_engine.hpp"
#include "git_repo.hpp"
#include "http_client.hpp"
#include "load_loop.hpp"

namespace bosun::test {
namespace {

namespace fs = std::filesystem;
using std::chrono::seconds;

std::string served_version(unsigned short port) {
  return served_text(port, "/VERSION");
}

class ContainerService : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!engine.available()) {
      GTEST_SKIP() << "no Docker engine here: " << engine.why();
    }
    agent.agent_env = {"DOCKER_HOST=" + engine.host()};
  }

  void TearDown() override {
    if (engine.available()) {
      agent.cli({"stop-all", "--root", agent.root()}, seconds(60));
    }
  }

  std::string manifest(const std::string& dockerfile = "Dockerfile") const {
    return "app: boxed\nrepo: " + repo.path() +
           "\nverify: {window: 1s}\nservices:\n  web:\n    container:\n      build: {context: "
           "., dockerfile: " +
           dockerfile +
           "}\n      init: true\n    ready: {http: 'http://127.0.0.1:" + std::to_string(port) +
           "/VERSION', timeout: 60s}\n    stop: {timeout: 15s}\n";
  }

  // A release: its VERSION served by busybox httpd in the container, on the host's loopback.
  std::string commit_version(const std::string& version, const std::string& extra_step = "") {
    repo.write("app.yaml", manifest());
    repo.write("VERSION", version + "\n");
    repo.write("Dockerfile", std::string("FROM ") + DockerEngine::k_base_image +
                                 "\nCOPY VERSION /srv/VERSION\n" + extra_step +
                                 "CMD [\"httpd\", \"-f\", \"-p\", \"127.0.0.1:" +
                                 std::to_string(port) + "\", \"-h\", \"/srv\"]\n");
    return repo.commit_all(version);
  }

  CliRun deploy(const std::string& sha) {
    return agent.cli_while_progressing({"deploy", "--root", agent.root(), "--commit", sha});
  }

  // The ids of this app's running containers, as the engine lists them.
  std::string running_containers() {
    return engine.docker({"ps", "-q", "--filter", "label=bosun.service=bosun-boxed-web"}).second;
  }

  DockerEngine engine;
  AgentSandbox agent;
  TempDir source;
  GitRepo repo{source.path() + "/app"};
  unsigned short port = free_port();
};

TEST_F(ContainerService, DeploysRestartsAdoptsAndRollsBackToThePreviousImage) {
  const std::string v1 = commit_version("v1");
  const std::string v2 = commit_version("v2");
  agent.write_env_file("API_TOKEN=tok-77c1-only-in-a-file\n");
  agent.start_agent({"--repo", repo.path()});

  const CliRun one = deploy(v1);
  ASSERT_EQ(one.code, 0) << one.output;
  EXPECT_EQ(served_version(port), "v1");
  EXPECT_NE(one.output.find("images bosun-boxed-web:"), std::string::npos) << one.output;
  const CliRun two = deploy(v2);
  ASSERT_EQ(two.code, 0) << two.output;
  EXPECT_EQ(served_version(port), "v2");
  const std::string images =
      engine.docker({"images", "--format", "{{.Tag}}", "bosun-boxed-web"}).second;
  EXPECT_EQ(std::count(images.begin(), images.end(), '\n'), 2) << "one image per release:\n"
                                                               << images;

  // A crash: the container's process killed. The CLI exits with it; the agent starts another.
  const int before = agent.pid_of("web");
  const std::string first_container = running_containers();
  ASSERT_FALSE(first_container.empty());
  ASSERT_EQ(engine.docker({"kill", "bosun-boxed-web-" + std::to_string(before)}).first, 0);
  ASSERT_TRUE(
      wait_until([&] { return agent.pid_of("web") != before && agent.state_of("web") == "ready"; },
                 std::chrono::milliseconds(60'000)))
      << agent.state_of("web");
  EXPECT_EQ(served_version(port), "v2");
  EXPECT_NE(running_containers(), first_container);
  // The environment went by a file of the instance's own (the dead one's removed), 0600, and
  // the secret's value is on no command line.
  std::vector<fs::path> env_files;
  for (const auto& entry : fs::directory_iterator(fs::path(agent.root()) / "run")) {
    if (entry.path().filename().string().starts_with("web.container.env.")) {
      env_files.push_back(entry.path());
    }
  }
  ASSERT_EQ(env_files.size(), 1U);
  EXPECT_EQ(env_files[0].filename().string(),
            "web.container.env." + std::to_string(agent.pid_of("web")));
  EXPECT_EQ(fs::status(env_files[0]).permissions() & fs::perms::all,
            fs::perms::owner_read | fs::perms::owner_write);
  EXPECT_NE(read_text_file(env_files[0].string()).value_or("").find("API_TOKEN=tok-77c1"),
            std::string::npos);
  const std::string cmdline =
      read_text_file("/proc/" + std::to_string(agent.pid_of("web")) + "/cmdline").value_or("");
  EXPECT_NE(cmdline.find("--env-file"), std::string::npos) << "the engine reads the file";
  EXPECT_EQ(cmdline.find("tok-77c1"), std::string::npos) << "its value is not";

  // The agent dies and comes back: the container runs on, adopted, not restarted.
  const int running = agent.pid_of("web");
  const std::string container = running_containers();
  agent.kill_agent();
  agent.start_agent({"--repo", repo.path()});
  ASSERT_TRUE(agent.wait_for_state("web", "ready", std::chrono::milliseconds(30'000)));
  EXPECT_EQ(agent.pid_of("web"), running);
  EXPECT_EQ(running_containers(), container);
  EXPECT_EQ(served_version(port), "v2");

  // Back to v1's image, which is still there: nothing is built.
  const CliRun back = agent.cli({"rollback", "--root", agent.root()}, seconds(120));
  ASSERT_EQ(back.code, 0) << back.output;
  EXPECT_EQ(served_version(port), "v1");
  EXPECT_EQ(back.output.find("build "), std::string::npos) << back.output;

  const CliRun stopped = agent.cli({"stop-all", "--root", agent.root()}, seconds(60));
  EXPECT_EQ(stopped.code, 0) << stopped.output;
  EXPECT_TRUE(
      wait_until([&] { return running_containers().empty(); }, std::chrono::milliseconds(30'000)))
      << running_containers();
}

TEST_F(ContainerService, ABadDockerfileLineFailsTheDeployNamingIt) {
  const std::string v1 = commit_version("v1");
  const std::string broken = commit_version("v2", "RUN false\n");
  agent.start_agent({"--repo", repo.path()});
  ASSERT_EQ(deploy(v1).code, 0);
  const CliRun run = deploy(broken);
  EXPECT_NE(run.code, 0) << run.output;
  EXPECT_NE(run.output.find("image of web: Dockerfile:3: RUN false: exited with code"),
            std::string::npos)
      << run.output;
  EXPECT_EQ(served_version(port), "v1") << "the live release keeps serving";
}

TEST_F(ContainerService, AMissingDockerfileIsAManifestErrorBeforeAnythingRuns) {
  commit_version("v1");
  repo.write("app.yaml", manifest("docker/Dockerfile") + "build: [{sh: 'touch built-anyway'}]\n");
  const std::string sha = repo.commit_all("points at a Dockerfile that is not there");
  agent.start_agent({"--repo", repo.path()});
  const CliRun run = deploy(sha);
  EXPECT_NE(run.code, 0) << run.output;
  EXPECT_NE(run.output.find("app.yaml:7:14: services.web.container.build: no docker/Dockerfile "
                            "in the release"),
            std::string::npos)
      << run.output;
  for (const auto& entry : fs::directory_iterator(fs::path(agent.root()) / "releases")) {
    EXPECT_FALSE(fs::exists(entry.path() / "built-anyway")) << "the build ran anyway";
  }
}

// A Compose project moved to bosun: `bosun init --from docker-compose.yml`, committed, deployed.
// The web service gets shared/.env (seed incident 5: a container restarting with empty logs
// because .env was not passed), starts after its dependency is healthy, and is ready when its
// own healthcheck, run in its container, passes.
TEST_F(ContainerService, AComposeFileConvertedByInitIsDeployed) {
  const std::string p = std::to_string(port);
  repo.write("web/VERSION", "composed-v1\n");
  repo.write("web/Dockerfile",
             std::string("FROM ") + DockerEngine::k_base_image + "\nCOPY VERSION /srv/VERSION\n");
  repo.write("docker-compose.yml",
             "name: composed\n"
             "services:\n"
             "  web:\n"
             "    build: ./web\n"
             "    env_file: .env\n"
             "    init: true\n"
             "    command: [\"sh\", \"-c\", \"echo \\\"$$GREETING\\\" > /srv/greeting; exec httpd "
             "-f -p 127.0.0.1:" +
                 p +
                 " -h /srv\"]\n"
                 "    depends_on:\n"
                 "      cache: {condition: service_healthy}\n"
                 "    healthcheck:\n"
                 "      test: [\"CMD\", \"wget\", \"-q\", \"-O-\", \"http://127.0.0.1:" +
                 p +
                 "/VERSION\"]\n"
                 "  cache:\n"
                 "    image: " +
                 DockerEngine::k_base_image +
                 "\n"
                 "    init: true\n"
                 "    command: [\"sh\", \"-c\", \"touch /tmp/up; exec sleep 100000\"]\n"
                 "    healthcheck:\n"
                 "      test: [\"CMD\", \"test\", \"-e\", \"/tmp/up\"]\n");
  const auto [converted, said] = run_tool(
      {BOSUN_BIN, "init", "--from", "docker-compose.yml", "--repo", repo.path()}, repo.path());
  ASSERT_EQ(converted, 0) << said;
  EXPECT_NE(said.find("converted docker-compose.yml"), std::string::npos) << said;
  const std::string sha = repo.commit_all("app.yaml from docker-compose.yml");
  agent.write_env_file("GREETING=hello-from-dotenv\n");
  agent.start_agent({"--repo", repo.path()});
  const CliRun run = deploy(sha);
  ASSERT_EQ(run.code, 0) << run.output << "\n"
                         << read_text_file(repo.path() + "/app.yaml").value_or("");
  EXPECT_EQ(served_version(port), "composed-v1");
  const HttpResult greeting = http(port, "GET", "/greeting");
  EXPECT_EQ(greeting.body, "hello-from-dotenv\n");
  EXPECT_EQ(agent.state_of("cache"), "ready");
  EXPECT_LT(agent.event_index("cache", "ready"), agent.event_index("web", "started"))
      << "web starts once cache is healthy";
}

// bosun-agent gap on a container project: the engine is there and answers (its version), and
// an image built FROM node:18 is refused against package.json's engines.node >=20.9 (the
// seeds' Next.js), by reading the Dockerfile: nothing is pulled. The host's own Node is not
// the app's then, and is not asked about.
TEST_F(ContainerService, GapChecksTheEngineAndTheImagesNodeAgainstEngines) {
  const fs::path dir = fs::path(source.path()) / "next-app";
  fs::create_directories(dir);
  std::ofstream(dir / "app.yaml")
      << "app: nextish\nrepo: /nowhere\nservices:\n  web:\n    container:\n      build: "
         "{context: ., dockerfile: Dockerfile}\n    ready: {http: 'http://127.0.0.1:"
      << port << "/'}\n";
  std::ofstream(dir / "Dockerfile")
      << "FROM node:18-alpine AS deps\nRUN npm ci\nFROM node:18-slim\n"
         "CMD [\"node\", \"server.js\"]\n";
  std::ofstream(dir / "package.json") << R"({"name": "web", "engines": {"node": ">=20.9.0"}})";
  const auto [code, output] = run_tool({"env", "DOCKER_HOST=" + engine.host(), BOSUN_AGENT_BIN,
                                        "gap", "-c", (dir / "app.yaml").string()},
                                       dir.string());
  EXPECT_EQ(code, 1) << output;
  EXPECT_NE(output.find("Dockerfile builds FROM node:18-slim, whose Node does not satisfy "
                        ">=20.9.0"),
            std::string::npos)
      << output;
  EXPECT_NE(output.find("docker 20."), std::string::npos) << "the engine's version:\n" << output;
  EXPECT_EQ(output.find("node is not installed"), std::string::npos) << output;

  std::ofstream(dir / "Dockerfile") << "FROM node:22-slim\nCMD [\"node\", \"server.js\"]\n";
  const auto [fixed, again] = run_tool({"env", "DOCKER_HOST=" + engine.host(), BOSUN_AGENT_BIN,
                                        "gap", "-c", (dir / "app.yaml").string()},
                                       dir.string());
  EXPECT_NE(again.find("FROM node:22-slim"), std::string::npos) << again;
}

// Seed incident 6: another stack's container holds the port. The deploy stops at preflight,
// naming that container, and nothing of the new release starts.
TEST_F(ContainerService, APortHeldByAnotherContainerIsNamedAtPreflight) {
  const auto [started, said] = engine.docker(
      {"run", "-d", "--network", "host", "--name", "other-stack", DockerEngine::k_base_image,
       "httpd", "-f", "-p", "127.0.0.1:" + std::to_string(port), "-h", "/tmp"});
  ASSERT_EQ(started, 0) << said;
  ASSERT_TRUE(wait_until([&] { return http(port, "GET", "/").status != 0; },
                         std::chrono::milliseconds(20'000)));
  const std::string v1 = commit_version("v1");
  agent.start_agent({"--repo", repo.path()});
  const CliRun run = deploy(v1);
  EXPECT_NE(run.code, 0) << run.output;
  EXPECT_NE(run.output.find("is taken by the container other-stack: httpd"), std::string::npos)
      << run.output;
  EXPECT_EQ(running_containers(), "") << "nothing of the app started";
  engine.docker({"rm", "-f", "other-stack"});
}

// Zero downtime for a container: deploy: proxy, each instance a container on a port of its
// own behind nginx (run by the agent as bosun-agent nginx-server), under a steady load.
TEST_F(ContainerService, ADeployProxyContainerIsReplacedWithoutLosingARequest) {
  const unsigned short front = free_port();
  const unsigned short first_port = free_port();
  const std::string conf = "${shared}/nginx/nginx.conf";
  const auto commit = [&](const std::string& version) {
    repo.write("srv/version", "{\"version\": \"" + version + "\"}\n");
    repo.write("Dockerfile",
               std::string("FROM ") + DockerEngine::k_base_image + "\nCOPY srv /srv\n");
    repo.write(
        "app.yaml",
        "app: boxed\nrepo: " + repo.path() + "\nservices:\n  nginx:\n    command: [" +
            BOSUN_AGENT_BIN + ", nginx-server, --dir, '${shared}/nginx', --listen, '127.0.0.1:" +
            std::to_string(front) +
            "', --upstream, boxed_web, --upstream-file, '${shared}/proxy/upstreams/web.conf']\n"
            "    cwd: ${shared}\n    ready: {tcp: " +
            std::to_string(front) +
            ", timeout: 20s}\n    stop: {signal: QUIT, timeout: 20s}\n"
            "  web:\n    container:\n      build: {context: ., dockerfile: Dockerfile}\n"
            "      init: true\n"
            "    command: [httpd, -f, -p, '127.0.0.1:${port}', -h, /srv]\n"
            "    depends_on: [nginx]\n    deploy: proxy\n    proxy:\n      ports: " +
            std::to_string(first_port) + "-" + std::to_string(first_port + 9) +
            "\n      test: [/usr/sbin/nginx, -t, -q, -c, '" + conf +
            "']\n      reload: [/usr/sbin/nginx, -s, reload, -c, '" + conf +
            "']\n      pid_file: '${shared}/nginx/nginx.pid'\n      drain_timeout: 5s\n"
            "    ready: {http: 'http://127.0.0.1:${port}/version', timeout: 60s}\n"
            "    stop: {signal: TERM, timeout: 15s}\n"
            "verify:\n  window: 1s\n");
    return repo.commit_all(version);
  };
  const std::string v1 = commit("v1");
  const std::string v2 = commit("v2");
  agent.start_agent({"--repo", repo.path()});
  const CliRun one = deploy(v1);
  ASSERT_EQ(one.code, 0) << one.output;
  LoadLoop load(front);
  ASSERT_TRUE(load.wait_for_answers(20, seconds(20))) << summarize(load.samples()).describe();
  const CliRun two = deploy(v2);
  ASSERT_EQ(two.code, 0) << two.output;
  ASSERT_TRUE(load.wait_for_answers(20, seconds(20)));
  const LoadSummary summary = summarize(load.stop());
  EXPECT_EQ(summary.failed, 0) << summary.describe();
  EXPECT_GT(summary.versions.count("v2"), 0U) << summary.describe();
  const HttpResult now = http(front, "GET", "/version");
  EXPECT_NE(now.body.find("v2"), std::string::npos) << now.body;
  EXPECT_TRUE(wait_until(
      [&] {
        const std::string ids = running_containers();
        return std::count(ids.begin(), ids.end(), '\n') == 1;
      },
      std::chrono::milliseconds(30'000)))
      << "the old instance's container must go once drained:\n"
      << running_containers();
}

// Seed incident 5: a container that exits at once and prints nothing (it needed a variable the
// old setup never passed). The deploy fails saying how it exited, that it printed nothing, and
// which variables it was given; the live release keeps serving.
TEST_F(ContainerService, AContainerThatExitsAtOnceSilentlyIsExplained) {
  const std::string v1 = commit_version("v1");
  repo.write("Dockerfile", std::string("FROM ") + DockerEngine::k_base_image +
                               "\nCMD [\"sh\", \"-c\", \"test -n \\\"$API_KEY\\\" || exit 3\"]\n");
  const std::string silent = repo.commit_all("needs API_KEY, says nothing");
  agent.write_env_file("OTHER_SETTING=1\n");
  agent.start_agent({"--repo", repo.path()});
  ASSERT_EQ(deploy(v1).code, 0);
  const CliRun run = deploy(silent);
  EXPECT_NE(run.code, 0) << run.output;
  EXPECT_NE(run.output.find("web: crash-loop, last exit: exited with code 3"), std::string::npos)
      << run.output;
  EXPECT_NE(run.output.find("empty, it printed nothing before it exited"), std::string::npos)
      << run.output;
  EXPECT_NE(run.output.find("the container was given OTHER_SETTING"), std::string::npos)
      << run.output;
  EXPECT_EQ(served_version(port), "v1");
}

// A pruned release's image goes with it; the live release's and the one a rollback would
// return to stay.
TEST_F(ContainerService, PruningAReleaseRemovesItsImage) {
  std::vector<std::string> commits;
  for (const char* version : {"v1", "v2", "v3", "v4"}) {
    commit_version(version);
    repo.write("app.yaml", manifest() + "keep_releases: 1\n");
    commits.push_back(repo.commit_all(std::string(version) + ", keeping one"));
  }
  agent.start_agent({"--repo", repo.path()});
  for (const std::string& sha : commits) {
    const CliRun run = deploy(sha);
    ASSERT_EQ(run.code, 0) << run.output;
  }
  EXPECT_EQ(served_version(port), "v4");
  std::set<std::string> tags;
  std::istringstream listed(
      engine.docker({"images", "--format", "{{.Tag}}", "bosun-boxed-web"}).second);
  for (std::string tag; std::getline(listed, tag);) {
    tags.insert(tag);
  }
  std::set<std::string> releases;
  for (const auto& entry : fs::directory_iterator(fs::path(agent.root()) / "releases")) {
    releases.insert(entry.path().filename().string());
  }
  EXPECT_EQ(tags, releases) << "exactly the releases still on the host keep an image";
  EXPECT_EQ(releases.size(), 2U);
  const CliRun back = agent.cli({"rollback", "--root", agent.root()}, seconds(120));
  ASSERT_EQ(back.code, 0) << back.output;
  EXPECT_EQ(served_version(port), "v3");
}

}  // namespace
}  // namespace bosun::test
