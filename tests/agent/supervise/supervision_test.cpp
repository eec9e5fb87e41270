// bosun-agent as a real daemon supervising real processes: the bundled platform with a real
// redis-server, and small shell services for crash loops, liveness and stops.

#include <signal.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>

#include <cstring>

#include <filesystem>
#include <fstream>
#include <thread>

#include <gtest/gtest.h>

#include "agent_fixture.hpp"
#include "agent_namespaces.hpp"
#include "api/api_client.hpp"

namespace bosun::test {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

std::string replace_all(std::string text, const std::string& from, const std::string& to) {
  for (std::size_t at = text.find(from); at != std::string::npos;
       at = text.find(from, at + to.size())) {
    text.replace(at, from.size(), to);
  }
  return text;
}

std::string platform_manifest(unsigned short redis_port, unsigned short http_port) {
  std::string yaml = R"(app: demo
repo: /nowhere.git
env:
  DATABASE_URL: sqlite:///${shared}/app.db
  REDIS_URL: redis://127.0.0.1:@REDIS@
services:
  redis:
    command: [redis-server, --port, "@REDIS@", --bind, 127.0.0.1, --save, "", --appendonly, "no", --dir, "${shared}"]
    ready: {redis: {port: @REDIS@}}
  migrate:
    command: [@BIN@/platform-migrate, up]
    restart: {policy: on-failure}
  server:
    command: [@BIN@/platform-server]
    env: {PORT: "@HTTP@"}
    depends_on: [redis]
    ready: {http: {url: "http://127.0.0.1:@HTTP@/ready"}}
    liveness: {http: {url: "http://127.0.0.1:@HTTP@/health"}, interval: 1s}
  worker:
    command: [@BIN@/platform-worker]
    depends_on: [redis, server]
    ready: {log: "waiting for jobs", timeout: 20s}
    stop: {signal: TERM, timeout: 10s}
)";
  yaml = replace_all(yaml, "@REDIS@", std::to_string(redis_port));
  yaml = replace_all(yaml, "@HTTP@", std::to_string(http_port));
  return replace_all(yaml, "@BIN@",
                     std::filesystem::path(PLATFORM_SERVER_BIN).parent_path().string());
}

class PlatformUnderAgent : public ::testing::Test {
 protected:
  void SetUp() override {
    sandbox.write_manifest(platform_manifest(free_port(), free_port()));
    sandbox.write_env_file("JWT_SECRET_KEY=agent-test-secret-0123456789abcdef0123\n");
    sandbox.start_agent();
    ASSERT_TRUE(sandbox.wait_for_state("worker", "ready", seconds(30)))
        << sandbox.status()->getArray("services")->size();
  }

  AgentSandbox sandbox;
};

TEST_F(PlatformUnderAgent, StartOrderHonoursReadiness) {
  const int redis_ready = sandbox.event_index("redis", "ready");
  const int server_started = sandbox.event_index("server", "started");
  const int server_ready = sandbox.event_index("server", "ready");
  const int worker_started = sandbox.event_index("worker", "started");
  ASSERT_GE(redis_ready, 0);
  EXPECT_LT(redis_ready, server_started);
  EXPECT_LT(server_started, server_ready);
  EXPECT_LT(server_ready, worker_started);
  EXPECT_EQ(sandbox.state_of("migrate"), "exited");
  EXPECT_EQ(sandbox.service("migrate")->getValue<int>("last_exit_code"), 0);
  const CliRun status = sandbox.cli({"status", "--root", sandbox.root()});
  EXPECT_EQ(status.code, 0) << status.output;
  EXPECT_NE(status.output.find("worker      ready"), std::string::npos) << status.output;
}

TEST_F(PlatformUnderAgent, KilledWorkerComesBackReady) {
  const int before = sandbox.pid_of("worker");
  ASSERT_GT(before, 0);
  ::kill(before, SIGKILL);
  ASSERT_TRUE(wait_until(
      [&] {
        return sandbox.pid_of("worker") > 0 && sandbox.pid_of("worker") != before &&
               sandbox.state_of("worker") == "ready";
      },
      seconds(15)));
  const auto worker = sandbox.service("worker");
  EXPECT_EQ(worker->getValue<int>("restarts"), 1);
  EXPECT_EQ(worker->getValue<std::string>("last_exit"), "killed by SIGKILL");
  EXPECT_GE(sandbox.event_index("worker", "restarting"), 0);
}

TEST_F(PlatformUnderAgent, AgentRestartAdoptsServicesWithoutRestartingThem) {
  const int redis = sandbox.pid_of("redis");
  const int server = sandbox.pid_of("server");
  const int worker = sandbox.pid_of("worker");
  sandbox.kill_agent();
  EXPECT_EQ(::kill(server, 0), 0);  // still running without the agent
  sandbox.start_agent();
  ASSERT_TRUE(sandbox.wait_for_state("worker", "ready", seconds(15)));
  EXPECT_EQ(sandbox.pid_of("redis"), redis);
  EXPECT_EQ(sandbox.pid_of("server"), server);
  EXPECT_EQ(sandbox.pid_of("worker"), worker);
  EXPECT_TRUE(sandbox.service("server")->getValue<bool>("adopted"));
  EXPECT_GE(sandbox.event_index("server", "adopted"), 0);
  // Adopted services are still supervised: a crash is still restarted.
  ::kill(server, SIGKILL);
  ASSERT_TRUE(wait_until(
      [&] {
        return sandbox.pid_of("server") > 0 && sandbox.pid_of("server") != server &&
               sandbox.state_of("server") == "ready";
      },
      seconds(15)));
}

TEST_F(PlatformUnderAgent, LogsAndMetricsThroughTheClient) {
  const CliRun logs = sandbox.cli({"logs", "worker", "-n", "5", "--root", sandbox.root()});
  EXPECT_EQ(logs.code, 0);
  EXPECT_NE(logs.output.find("waiting for jobs"), std::string::npos) << logs.output;
  const CliRun metrics = sandbox.cli({"metrics", "--root", sandbox.root()});
  EXPECT_EQ(metrics.code, 0);
  EXPECT_NE(metrics.output.find("bosun_service_ready{service=\"server\"} 1"), std::string::npos)
      << metrics.output;
  EXPECT_NE(metrics.output.find("bosun_agent_resident_bytes "), std::string::npos);
  const CliRun events = sandbox.cli({"events", "--since", "10m", "--root", sandbox.root()});
  EXPECT_EQ(events.code, 0);
  EXPECT_NE(events.output.find("agent-started"), std::string::npos) << events.output;
}

class ShellServices : public ::testing::Test {
 protected:
  void start(const std::string& services_yaml) {
    sandbox.write_manifest("app: shell\nrepo: /nowhere.git\nservices:\n" +
                           replace_all(services_yaml, "ROOT", sandbox.root()));
    sandbox.start_agent();
  }

  // CPU time (user + system) the agent process has used so far.
  double agent_cpu_seconds() {
    std::ifstream in("/proc/" + std::to_string(sandbox.agent().pid()) + "/stat");
    std::string text;
    std::getline(in, text);
    std::istringstream fields(text.substr(text.rfind(')') + 2));
    std::string field;
    double ticks = 0;
    for (int index = 3; index <= 15 && fields >> field; ++index) {
      if (index == 14 || index == 15) {
        ticks += std::stod(field);
      }
    }
    return ticks / static_cast<double>(::sysconf(_SC_CLK_TCK));
  }

  AgentSandbox sandbox;
};

TEST_F(ShellServices, CrashLoopBacksOffWithoutBusyCpu) {
  start(R"(  flaky:
    command: {sh: "echo boom on stderr >&2; exit 3"}
    restart:
      backoff: {initial: 10ms, max: 40ms}
      crash_loop: {restarts: 3, window: 30s, cooldown: 3s}
      on_crash_loop: {sh: "echo $BOSUN_SERVICE $BOSUN_EVENT > ROOT/hook.out"}
)");
  ASSERT_TRUE(sandbox.wait_for_state("flaky", "crash-loop", seconds(10)));
  const auto flaky = sandbox.service("flaky");
  EXPECT_EQ(flaky->getValue<std::string>("last_exit"), "exited with code 3");
  EXPECT_EQ(flaky->getValue<int>("last_exit_code"), 3);
  const auto evidence = flaky->getArray("evidence");
  ASSERT_GT(evidence->size(), 0U);
  EXPECT_NE(
      evidence->getElement<std::string>(static_cast<unsigned>(evidence->size() - 1)).find("boom"),
      std::string::npos);
  EXPECT_TRUE(wait_until([&] { return std::filesystem::exists(sandbox.root() + "/hook.out"); },
                         seconds(5)));
  std::string hook_line;
  std::getline(std::ifstream(sandbox.root() + "/hook.out"), hook_line);
  EXPECT_EQ(hook_line, "flaky crash-loop");
  // Cooling down, not spinning: over 1.5 s the agent should use almost no CPU.
  const double before = agent_cpu_seconds();
  std::this_thread::sleep_for(milliseconds(1500));
  EXPECT_LT(agent_cpu_seconds() - before, 0.15);
  EXPECT_EQ(sandbox.state_of("flaky"), "crash-loop");
  // After the cool-down it tries again rather than staying dead.
  const int restarts = sandbox.service("flaky")->getValue<int>("restarts");
  EXPECT_TRUE(wait_until(
      [&] { return sandbox.service("flaky")->getValue<int>("restarts") > restarts; }, seconds(6)));
}

TEST_F(ShellServices, GiveUpStopsForGood) {
  start(R"(  doomed:
    command: {sh: "exit 1"}
    restart:
      backoff: {initial: 5ms, max: 5ms}
      crash_loop: {restarts: 2, window: 30s, give_up: true}
)");
  ASSERT_TRUE(sandbox.wait_for_state("doomed", "failed", seconds(10)));
  EXPECT_EQ(sandbox.service("doomed")->getValue<int>("restarts"), 2);
}

TEST_F(ShellServices, LivenessFailureRestarts) {
  std::ofstream(sandbox.root() + "/alive") << "yes";
  start(R"(  app:
    command: {sh: "exec sleep 1000"}
    liveness: {exec: [test, -f, ROOT/alive], interval: 100ms, failures: 2}
)");
  ASSERT_TRUE(sandbox.wait_for_state("app", "ready", seconds(10)));
  const int before = sandbox.pid_of("app");
  std::this_thread::sleep_for(milliseconds(400));
  EXPECT_EQ(sandbox.pid_of("app"), before);  // passing liveness leaves it alone
  std::filesystem::remove(sandbox.root() + "/alive");
  ASSERT_TRUE(wait_until(
      [&] { return sandbox.pid_of("app") > 0 && sandbox.pid_of("app") != before; }, seconds(10)));
  std::ofstream(sandbox.root() + "/alive") << "yes";
  ASSERT_TRUE(sandbox.wait_for_state("app", "ready", seconds(10)));
  EXPECT_GE(sandbox.event_index("app", "liveness-failed"), 0);
  EXPECT_GE(sandbox.service("app")->getValue<int>("restarts"), 1);
}

TEST_F(ShellServices, StopAllGoesInReverseOrderAndKillsAfterTheGraceTimeout) {
  start(R"(  base:
    command: {sh: "exec sleep 1000"}
  middle:
    command: {sh: "exec sleep 1000"}
    depends_on: [base]
  stubborn:
    command: {sh: "trap '' TERM; while true; do sleep 0.05; done"}
    depends_on: [middle]
    stop: {signal: TERM, timeout: 300ms}
)");
  ASSERT_TRUE(sandbox.wait_for_state("stubborn", "ready", seconds(10)));
  const CliRun stop = sandbox.cli({"stop-all", "--root", sandbox.root()});
  EXPECT_EQ(stop.code, 0) << stop.output;
  const auto status = sandbox.agent().wait(seconds(15));
  ASSERT_TRUE(status.has_value());
  EXPECT_EQ(WEXITSTATUS(*status), 0);
  // The journal outlives the agent: read it straight from state.db through a new agent.
  sandbox.start_agent();
  const auto events = sandbox.events();
  std::vector<std::string> stopping;
  bool killed = false;
  for (const auto& event : events) {
    if (event.at("kind") == "stopping" && event.at("detail").starts_with("agent shutting down")) {
      stopping.push_back(event.at("service"));
    }
    killed = killed || (event.at("service") == "stubborn" && event.at("kind") == "killed");
  }
  EXPECT_EQ(stopping, (std::vector<std::string>{"stubborn", "middle", "base"}));
  EXPECT_TRUE(killed);
}

TEST_F(ShellServices, StopLeavesNoGrandchildren) {
  start(R"(  forker:
    command: {sh: "sleep 1000 & exec sleep 1001"}
)");
  ASSERT_TRUE(sandbox.wait_for_state("forker", "ready", seconds(10)));
  const int pgid = sandbox.pid_of("forker");
  const auto group_members = [pgid] {
    int count = 0;
    for (const auto& entry : std::filesystem::directory_iterator("/proc")) {
      const std::string name = entry.path().filename();
      if (name.find_first_not_of("0123456789") != std::string::npos) {
        continue;
      }
      const pid_t pid = std::stoi(name);
      if (::getpgid(pid) == pgid) {
        std::ifstream stat(entry.path() / "stat");
        std::string text;
        std::getline(stat, text);
        const std::size_t close = text.rfind(')');
        if (close != std::string::npos && text.size() > close + 2 && text[close + 2] != 'Z') {
          ++count;
        }
      }
    }
    return count;
  };
  ASSERT_TRUE(wait_until([&] { return group_members() == 2; }, seconds(5)));
  EXPECT_EQ(sandbox.cli({"stop", "forker", "--root", sandbox.root()}).code, 0);
  ASSERT_TRUE(sandbox.wait_for_state("forker", "stopped", seconds(10)));
  EXPECT_TRUE(wait_until([&] { return group_members() == 0; }, seconds(5)));
  // And it stays stopped until asked.
  std::this_thread::sleep_for(milliseconds(300));
  EXPECT_EQ(sandbox.state_of("forker"), "stopped");
  EXPECT_EQ(sandbox.cli({"start", "forker", "--root", sandbox.root()}).code, 0);
  EXPECT_TRUE(sandbox.wait_for_state("forker", "ready", seconds(10)));
}

TEST_F(ShellServices, LogsRotateBySize) {
  start(R"(  chatty:
    command: {sh: "while true; do printf '%0200d\n' 0; sleep 0.002; done"}
    logs: {max_size: 8KiB, keep: 2}
)");
  const std::string log = sandbox.root() + "/shared/logs/chatty.log";
  // Sizes are checked every 5 s, so a chatty service overshoots max_size by what it writes
  // in that time; what matters is that rotation happens and only `keep` files remain.
  ASSERT_TRUE(wait_until([&] { return std::filesystem::exists(log + ".2"); }, seconds(25)));
  EXPECT_GE(sandbox.event_index("chatty", "log-rotated"), 0);
  EXPECT_FALSE(std::filesystem::exists(log + ".3"));
  EXPECT_EQ(sandbox.state_of("chatty"), "ready");  // its output still flows
}

TEST_F(ShellServices, BadRequestsGetClearErrorsAndTheDaemonSurvives) {
  start(R"(  web:
    command: {sh: "exec sleep 1000"}
)");
  CliRun run = sandbox.cli({"restart", "nosuch", "--root", sandbox.root()});
  EXPECT_EQ(run.code, 2);
  EXPECT_NE(run.output.find("unknown service \"nosuch\"; services: web"), std::string::npos)
      << run.output;
  run = sandbox.cli({"logs", "web", "-n", "lots", "--root", sandbox.root()});
  EXPECT_EQ(run.code, 2);
  EXPECT_NE(run.output.find("-n takes a number"), std::string::npos) << run.output;
  run = sandbox.cli({"status", "--root", sandbox.root() + "/elsewhere"});
  EXPECT_EQ(run.code, 2);
  EXPECT_NE(run.output.find("cannot reach the agent"), std::string::npos) << run.output;
  run = sandbox.cli({"stauts"});
  EXPECT_EQ(run.code, 2);
  EXPECT_NE(run.output.find("did you mean 'status'"), std::string::npos) << run.output;
  for (const auto& [method, path, code] : std::vector<std::tuple<std::string, std::string, int>>{
           {"GET", "/v1/services/web/logs?lines=abc", 400},
           {"GET", "/v1/services/web/logs?offset=-1", 400},
           {"GET", "/v1/events?since=yesterday", 400},
           {"GET", "/v1/nope", 404},
           {"GET", "/v1/services/web/restart", 405},
           {"POST", "/v1/services/" + std::string(500, 'x') + "/stop", 404},
           {"GET", "/v1/services/web", 404}}) {
    const auto response = agent::call_agent(sandbox.socket(), method, path);
    EXPECT_EQ(response.status, code) << method << " " << path << ": " << response.body;
    EXPECT_NE(response.body.find("\"error\""), std::string::npos) << response.body;
  }
  EXPECT_EQ(sandbox.state_of("web"), "ready");
  EXPECT_TRUE(sandbox.agent().running());
}

TEST(AgentRun, TellsSystemdWhenServicesAreUp) {
  TempDir dir;
  const std::string notify_path = dir.path() + "/notify.sock";
  const int notify = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  sockaddr_un address{};
  address.sun_family = AF_UNIX;
  std::strncpy(address.sun_path, notify_path.c_str(), sizeof address.sun_path - 1);
  ASSERT_EQ(::bind(notify, reinterpret_cast<sockaddr*>(&address), sizeof address), 0);
  const unsigned short port = free_port();
  std::ofstream(dir.path() + "/app.yaml")
      << "app: demo\nrepo: r\nservices:\n  web:\n    command: [redis-server, --port, \"" << port
      << "\", --save, \"\"]\n    ready: {redis: {port: " << port << "}}\n";
  ChildProcess agent(
      {{BOSUN_AGENT_BIN, "run", "--root", dir.path() + "/root", "-c", dir.path() + "/app.yaml"},
       {"NOTIFY_SOCKET=" + notify_path},
       dir.path(),
       dir.path() + "/out"});
  std::string received;
  ASSERT_TRUE(wait_until(
      [&] {
        char buffer[256];
        const ssize_t n = ::recv(notify, buffer, sizeof buffer, MSG_DONTWAIT);
        if (n > 0) {
          received.append(buffer, static_cast<std::size_t>(n));
        }
        return received.find("READY=1") != std::string::npos;
      },
      seconds(10)))
      << agent.output();
  EXPECT_NE(received.find("STATUS=1/1 services ready"), std::string::npos) << received;
  agent::call_agent(dir.path() + "/root/agent.sock", "POST", "/v1/stop-all");
  EXPECT_TRUE(agent.wait(seconds(15)).has_value());
  ::close(notify);
}

TEST(AgentRun, RefusesABrokenManifestWithFileLineCol) {
  TempDir dir;
  std::ofstream(dir.path() + "/app.yaml")
      << "app: demo\nrepo: r\nservices:\n  web: {command: web}\n";
  ChildProcess agent(
      {{BOSUN_AGENT_BIN, "run", "--root", dir.path(), "-c", dir.path() + "/app.yaml"},
       {},
       dir.path(),
       dir.path() + "/out"});
  const auto status = agent.wait(seconds(10));
  ASSERT_TRUE(status.has_value());
  EXPECT_EQ(WEXITSTATUS(*status), 2);
  EXPECT_NE(agent.output().find("app.yaml:4:18: error: services.web.command"), std::string::npos)
      << agent.output();
}

}  // namespace
}  // namespace bosun::test
