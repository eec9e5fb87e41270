// `bosun-agent ready` and `bosun-agent gap` against the running bundled platform, and the
// incidents of the seed documents reproduced as fixtures: a missing .env that makes the server
// restart in a loop, a placeholder JWT secret, an API answering with an HTML error page, a
// port already allocated by another process, Node 18 where >=20.9 is required. The HTML
// report is opened in headless Chromium.

#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include <Poco/JSON/Array.h>
#include <Poco/JSON/Parser.h>
#include <gtest/gtest.h>

#include "bosun/common/program_path.hpp"
#include "deploy_sandbox.hpp"
#include "http_stub.hpp"
#include "platform_fixture.hpp"

namespace bosun::test {
namespace {

namespace fs = std::filesystem;
using std::chrono::seconds;

Poco::JSON::Object::Ptr parse(const std::string& text) {
  Poco::JSON::Parser parser;
  return parser.parse(text).extract<Poco::JSON::Object::Ptr>();
}

// The item of a JSON report with this group and name.
Poco::JSON::Object::Ptr item(const Poco::JSON::Object::Ptr& report, const std::string& group,
                             const std::string& name) {
  const auto checks = report->getArray("checks");
  for (std::size_t i = 0; i < checks->size(); ++i) {
    const auto entry = checks->getObject(static_cast<unsigned>(i));
    if (entry->getValue<std::string>("group") == group &&
        entry->getValue<std::string>("name").find(name) != std::string::npos) {
      return entry;
    }
  }
  std::ostringstream text;
  report->stringify(text);
  throw std::runtime_error("no " + group + " " + name + " in " + text.str());
}

// A platform (server + redis) run straight from the built binaries by an agent, with
// `env_file` as its shared/.env and the given extra manifest text.
class PlatformUnderAgent {
 public:
  PlatformUnderAgent(const std::string& env_file, const std::string& extra) {
    const std::string redis = std::to_string(m_redis);
    const std::string port = std::to_string(m_port);
    m_agent.write_env_file(env_file);
    m_agent.write_manifest(
        "app: incident\nrepo: unused\nsecrets: [JWT_SECRET_KEY]\n"
        "env:\n  DATABASE_URL: sqlite:///${shared}/app.db\n"
        "  REDIS_URL: redis://127.0.0.1:" +
        redis +
        "\n"
        "database: {kind: sqlite, path: '${shared}/app.db'}\n"
        "services:\n"
        "  redis:\n"
        "    command: [redis-server, --port, '" +
        redis +
        "', --bind, 127.0.0.1, --save, '']\n"
        "    ready: {redis: {port: " +
        redis +
        "}}\n"
        "  server:\n"
        "    command: {sh: '" +
        PLATFORM_MIGRATE_BIN + " up && exec " + PLATFORM_SERVER_BIN +
        "'}\n"
        "    env: {PORT: '" +
        port +
        "', BIND: 127.0.0.1}\n"
        "    depends_on: [redis]\n"
        "    ready: {http: {url: 'http://127.0.0.1:" +
        port +
        "/ready'}, timeout: 5s}\n"
        "    restart: {backoff: {initial: 50ms, max: 200ms}, crash_loop: {restarts: 3, window: "
        "60s, cooldown: 1m}}\n" +
        extra);
    m_agent.start_agent();
  }

  AgentSandbox& agent() { return m_agent; }
  unsigned short port() const { return m_port; }

  CliRun ready(const std::vector<std::string>& extra = {"--json"}) {
    std::vector<std::string> args{"ready", "--root", m_agent.root()};
    args.insert(args.end(), extra.begin(), extra.end());
    return m_agent.cli(args);
  }

 private:
  unsigned short m_redis = free_port();
  unsigned short m_port = free_port();
  AgentSandbox m_agent;
};

const std::string k_good_env = "JWT_SECRET_KEY=" + k_test_jwt_secret + "\n";

TEST(Readiness, TheDeployedPlatformIsReadyInEveryFormat) {
  DeploySandbox sandbox;
  sandbox.start_agent();
  const CliRun deployed = sandbox.deploy(sandbox.commit_version("1"));
  ASSERT_EQ(deployed.code, 0) << deployed.output;
  const CliRun json = sandbox.agent().cli({"ready", "--root", sandbox.root(), "--json"});
  ASSERT_EQ(json.code, 0) << json.output;
  const auto report = parse(json.output);
  EXPECT_EQ(report->getValue<std::string>("verdict"), "ready");
  EXPECT_EQ(report->getValue<std::string>("app"), "fixture");
  for (const auto& [group, name] :
       std::vector<std::pair<std::string, std::string>>{{"services", "server"},
                                                        {"services", "redis"},
                                                        {"health", "server ready"},
                                                        {"database", "sqlite"},
                                                        {"database", "schema version"},
                                                        {"api", "/health"},
                                                        {"logs", "server"},
                                                        {"network", "127.0.0.1"},
                                                        {"exposure", "redis"},
                                                        {"exposure", "server"},
                                                        {"resources", "memory"}}) {
    EXPECT_EQ(item(report, group, name)->getValue<std::string>("status"), "pass")
        << group << " " << name << ": "
        << item(report, group, name)->getValue<std::string>("evidence");
  }
  // Redis bound to loopback, as every shipped manifest binds it: no exposure.
  EXPECT_NE(item(report, "exposure", "redis")->getValue<std::string>("evidence").find("127.0.0.1:"),
            std::string::npos);
  EXPECT_NE(item(report, "exposure", "redis")->getValue<std::string>("evidence").find(" only"),
            std::string::npos);
  EXPECT_NE(item(report, "database", "schema version")
                ->getValue<std::string>("evidence")
                .find("schema at version 4, as the release recorded"),
            std::string::npos);
  const CliRun text = sandbox.agent().cli({"ready", "--root", sandbox.root()});
  EXPECT_EQ(text.code, 0);
  EXPECT_NE(text.output.find("ready: 0 failing"), std::string::npos) << text.output;
  EXPECT_EQ(text.output.find("\033["), std::string::npos) << "no colour when not a terminal";
  const CliRun markdown = sandbox.agent().cli({"ready", "--root", sandbox.root(), "--md"});
  EXPECT_NE(markdown.output.find("| PASS | services | server |"), std::string::npos)
      << markdown.output;
  const std::string page = sandbox.root() + "/ready.html";
  const CliRun html =
      sandbox.agent().cli({"ready", "--root", sandbox.root(), "--html", "-o", page});
  EXPECT_EQ(html.code, 0) << html.output;
  EXPECT_NE(html.output.find("report written to"), std::string::npos);
  EXPECT_TRUE(fs::exists(page));
}

// Seed incident: the .env file is missing, the server cannot start and restarts in a loop.
TEST(Readiness, AMissingEnvFileShowsAsACrashLoopWithItsCause) {
  PlatformUnderAgent platform("", "");
  ASSERT_TRUE(platform.agent().wait_for_state("server", "crash-loop", seconds(30)))
      << platform.agent().state_of("server");
  const CliRun run = platform.ready();
  EXPECT_EQ(run.code, 1) << run.output;
  const auto report = parse(run.output);
  EXPECT_EQ(report->getValue<std::string>("verdict"), "not ready");
  const auto server = item(report, "services", "server");
  EXPECT_EQ(server->getValue<std::string>("status"), "fail");
  EXPECT_NE(server->getValue<std::string>("evidence").find("restarting in a loop"),
            std::string::npos);
  EXPECT_NE(server->getValue<std::string>("evidence").find("JWT_SECRET_KEY is not set"),
            std::string::npos)
      << server->getValue<std::string>("evidence");
  EXPECT_NE(server->getValue<std::string>("action").find("shared/.env"), std::string::npos);
  const auto secret = item(report, "env", "JWT_SECRET_KEY");
  EXPECT_EQ(secret->getValue<std::string>("status"), "fail");
  EXPECT_NE(secret->getValue<std::string>("action").find("set JWT_SECRET_KEY"), std::string::npos)
      << secret->getValue<std::string>("action");
  // The HTML report, opened in a real browser, shows the verdict and the failing checks.
  const std::string page = platform.agent().root() + "/incident.html";
  platform.ready({"--html", "-o", page});
  const std::string chromium =
      find_program("chromium", std::getenv("PATH") != nullptr ? std::getenv("PATH") : "");
  if (chromium.find('/') == std::string::npos) {
    // scripts/install-deps installs it wherever the OS has it as a package (Debian); Ubuntu
    // ships it only as a snap.
    GTEST_SKIP() << "no chromium package on this system: the HTML was not opened in a browser";
  }
  ChildProcess browser(
      {{chromium, "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
        "--user-data-dir=" + platform.agent().root() + "/chromium", "--dump-dom", "file://" + page},
       {"HOME=" + platform.agent().root()},
       platform.agent().root(),
       platform.agent().root() + "/chromium.out"});
  const auto status = browser.wait(seconds(60));
  ASSERT_TRUE(status.has_value()) << "chromium did not finish";
  const std::string dom = browser.output();
  EXPECT_NE(dom.find("<h1>not ready</h1>"), std::string::npos) << dom.substr(0, 2000);
  EXPECT_NE(dom.find("restarting in a loop"), std::string::npos);
  EXPECT_NE(dom.find("JWT_SECRET_KEY"), std::string::npos);
  EXPECT_LT(dom.find("Failing"), dom.find("Passing")) << "failures on top";
}

// Seed incident: the JWT secret is still the template's placeholder.
TEST(Readiness, APlaceholderSecretIsNotReady) {
  PlatformUnderAgent platform("JWT_SECRET_KEY=your-jwt-secret-key-change-me-in-production\n", "");
  ASSERT_TRUE(platform.agent().wait_for_state("server", "ready", seconds(30)));
  const CliRun run = platform.ready();
  EXPECT_EQ(run.code, 1) << run.output;
  const auto secret = item(parse(run.output), "env", "JWT_SECRET_KEY");
  EXPECT_EQ(secret->getValue<std::string>("status"), "fail");
  EXPECT_NE(secret->getValue<std::string>("evidence").find("placeholder"), std::string::npos)
      << secret->getValue<std::string>("evidence");
  EXPECT_EQ(run.output.find("your-jwt-secret"), std::string::npos) << "never the value";
}

// Seed incident: the API answers with an HTML error page instead of JSON.
TEST(Readiness, AnHtmlPageInsteadOfJsonIsNamedWithItsAction) {
  CannedHttpServer proxy(http_response(
      502, "text/html", "<!DOCTYPE html><html><body><h1>502 Bad Gateway</h1></body></html>"));
  PlatformUnderAgent platform(k_good_env, "verify:\n  checks:\n    - http: {url: '" +
                                              proxy.url("/api/me") +
                                              "', status: 502, content_type: json}\n");
  ASSERT_TRUE(platform.agent().wait_for_state("server", "ready", seconds(30)));
  const CliRun run = platform.ready();
  EXPECT_EQ(run.code, 1) << run.output;
  const auto api = item(parse(run.output), "api", "/api/me");
  EXPECT_EQ(api->getValue<std::string>("status"), "fail");
  EXPECT_NE(api->getValue<std::string>("evidence").find("text/html"), std::string::npos);
  EXPECT_NE(api->getValue<std::string>("action").find("HTML page answered where the API should"),
            std::string::npos);
}

// Seed incidents for the gap analysis: a port taken by another process, Node 18 where the app
// needs >=20.9.
TEST(Gap, NamesThePortHolderAndTheOldTool) {
  TempDir dir;
  const int holder = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ::bind(holder, reinterpret_cast<sockaddr*>(&address), sizeof address);
  socklen_t length = sizeof address;
  ::getsockname(holder, reinterpret_cast<sockaddr*>(&address), &length);
  ::listen(holder, 1);
  const int port = ntohs(address.sin_port);
  fs::create_directories(dir.path() + "/bin");
  std::ofstream(dir.path() + "/bin/node") << "#!/bin/sh\necho v18.19.0\n";
  fs::permissions(dir.path() + "/bin/node", fs::perms::owner_all);
  std::ofstream(dir.path() + "/app.yaml")
      << "app: web\nrepo: r\nservices: {w: {command: [x]}}\n"
         "env: {PATH: '"
      << dir.path() << "/bin:/usr/bin:/bin'}\n"
      << "requires:\n  tools: {node: '>=20.9'}\n  ports_free: [" << port << "]\n";
  AgentSandbox agent;
  const CliRun run = agent.cli({"gap", "-c", dir.path() + "/app.yaml", "--json"});
  ::close(holder);
  EXPECT_EQ(run.code, 1) << run.output;
  const auto report = parse(run.output);
  EXPECT_EQ(report->getValue<std::string>("verdict"), "blocking gaps");
  const auto node = item(report, "tool", "node");
  EXPECT_EQ(node->getValue<std::string>("status"), "fail");
  EXPECT_NE(node->getValue<std::string>("evidence").find("18.19.0"), std::string::npos)
      << node->getValue<std::string>("evidence");
  EXPECT_EQ(node->getValue<std::string>("required"), ">=20.9");
  const auto taken = item(report, "port", std::to_string(port));
  EXPECT_EQ(taken->getValue<std::string>("status"), "fail");
  EXPECT_NE(taken->getValue<std::string>("evidence").find("pid " + std::to_string(::getpid())),
            std::string::npos)
      << taken->getValue<std::string>("evidence");
}

}  // namespace
}  // namespace bosun::test
