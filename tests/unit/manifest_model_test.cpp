// Shapes the loader accepts and what they turn into: shorthands, defaults and warnings.

#include <gtest/gtest.h>

#include "bosun/manifest/loader.hpp"

namespace bosun::manifest {
namespace {

Manifest load_ok(const std::string& yaml) {
  const LoadResult result = parse_manifest(yaml, "app.yaml");
  EXPECT_TRUE(result.ok()) << format_diagnostics(result.diagnostics);
  return result.manifest.value_or(Manifest{});
}

const std::string k_head = "app: demo\nrepo: /tmp/demo.git\n";

TEST(ManifestModel, ShellCommandForm) {
  const Manifest m =
      load_ok(k_head + "services:\n  web:\n    command: {sh: \"exec bin/web 2>&1\"}\n");
  ASSERT_EQ(m.services.size(), 1U);
  EXPECT_TRUE(m.services[0].command.uses_shell());
  EXPECT_EQ(m.services[0].command.shell, "exec bin/web 2>&1");
  EXPECT_TRUE(m.services[0].command.argv.empty());
}

// Who the app's commands run as: `user:`, else the one user every service shares, else none.
TEST(ManifestModel, StepsUserDefaultsToTheServicesSharedUser) {
  const std::string two = "services:\n  a: {command: [a], user: www}\n  b: {command: [b], user: ";
  EXPECT_EQ(load_ok(k_head + two + "www}\n").steps_user(), "www");
  EXPECT_EQ(load_ok(k_head + two + "other}\n").steps_user(), "");
  EXPECT_EQ(load_ok(k_head + "services:\n  a: {command: [a], user: www}\n  b: {command: [b]}\n")
                .steps_user(),
            "");
  EXPECT_EQ(load_ok(k_head + "user: deploy\n" + two + "www}\n").steps_user(), "deploy");
  EXPECT_EQ(load_ok(k_head + "services:\n  a: {command: [a]}\n").steps_user(), "");
}

// A container service: its command is optional (the image's CMD runs), host networking and
// docker by default, a build per release with its context and Dockerfile.
TEST(ManifestModel, ContainerServices) {
  const Manifest m = load_ok(
      k_head +
      "services:\n"
      "  cache: {container: {image: 'redis:7', memory: 256m, cpus: '0.5', init: true}}\n"
      "  web:\n    container:\n      engine: podman\n      build: {context: web, dockerfile: "
      "web/Dockerfile.prod, no_cache: true}\n      volumes: ['${shared}/data:/data:ro']\n"
      "    command: [node, server.js]\n");
  const ContainerSpec& cache = *m.services[0].container;
  EXPECT_EQ(cache.engine, "docker");
  EXPECT_EQ(cache.network, "host");
  EXPECT_EQ(cache.image, "redis:7");
  EXPECT_EQ(cache.memory, "256m");
  EXPECT_EQ(cache.cpus, "0.5");
  EXPECT_TRUE(cache.init);
  EXPECT_FALSE(cache.build.has_value());
  EXPECT_TRUE(m.services[0].command.argv.empty());
  const ContainerSpec& web = *m.services[1].container;
  EXPECT_EQ(web.engine, "podman");
  ASSERT_TRUE(web.build.has_value());
  EXPECT_EQ(web.build->context, "web");
  EXPECT_EQ(web.build->dockerfile, "web/Dockerfile.prod");
  EXPECT_TRUE(web.build->no_cache);
  EXPECT_EQ(web.build->where.line, 8);
  EXPECT_EQ(web.volumes, std::vector<std::string>{"${shared}/data:/data:ro"});
  EXPECT_EQ(m.services[1].command.argv, (std::vector<std::string>{"node", "server.js"}));
}

TEST(ManifestModel, CheckShorthands) {
  const Manifest m = load_ok(k_head +
                             "services:\n"
                             "  a: {command: [a], ready: {tcp: 8080}}\n"
                             "  b: {command: [b], ready: {redis: }}\n"
                             "  c: {command: [c], ready: {exec: [test, -f, /tmp/x]}}\n"
                             "  d: {command: [d], ready: {log: started}}\n"
                             "  e: {command: [e], ready: {http: \"http://[::1]:9/\"}}\n");
  EXPECT_EQ(std::get<TcpCheck>(m.services[0].ready->check.kind).port, 8080);
  EXPECT_EQ(std::get<TcpCheck>(m.services[0].ready->check.kind).host, "127.0.0.1");
  EXPECT_EQ(std::get<RedisCheck>(m.services[1].ready->check.kind).port, 6379);
  EXPECT_EQ(std::get<ExecCheck>(m.services[2].ready->check.kind).command.argv.size(), 3U);
  EXPECT_EQ(std::get<LogCheck>(m.services[3].ready->check.kind).pattern, "started");
  EXPECT_EQ(std::get<HttpCheck>(m.services[4].ready->check.kind).url, "http://[::1]:9/");
}

TEST(ManifestModel, BuildInstallsPythonAndNode) {
  const Manifest m = load_ok(k_head +
                             "build:\n  python: {interpreter: /usr/bin/python3, "
                             "system_site_packages: true}\n  node: ci\n"
                             "  commands: [[npx, next, build]]\n"
                             "services:\n  web: {command: [.venv/bin/python, app.py]}\n");
  ASSERT_TRUE(m.build.python.has_value());
  EXPECT_EQ(m.build.python->requirements, "requirements.txt");
  EXPECT_EQ(m.build.python->venv, ".venv");
  EXPECT_TRUE(m.build.python->system_site_packages);
  EXPECT_EQ(m.build.python->interpreter, "/usr/bin/python3");
  ASSERT_TRUE(m.build.node.has_value());
  EXPECT_EQ(m.build.node->install, "ci");
  EXPECT_EQ(m.build.commands.size(), 1U);
  const Manifest only_node = load_ok(k_head +
                                     "build: {node: {install: install}}\n"
                                     "services:\n  web: {command: [node, app.js]}\n");
  EXPECT_EQ(only_node.build.node->install, "install");
  EXPECT_TRUE(only_node.build.commands.empty());
  EXPECT_FALSE(only_node.build.empty());
}

TEST(ManifestModel, DatabaseServerChecks) {
  const Manifest m =
      load_ok(k_head +
              "services:\n"
              "  a: {command: [a], ready: {postgres: }}\n"
              "  b: {command: [b], ready: {mysql: APP_DB_URL}}\n"
              "  c: {command: [c], ready: {postgres: {url: 'postgresql://app@${host}:5432/app',"
              " password_env: PGPASSWORD, query: 'SELECT count(*) FROM pg_stat_activity'}}}\n");
  const auto& a = std::get<PostgresCheck>(m.services[0].ready->check.kind);
  EXPECT_EQ(a.url_env, "DATABASE_URL");
  EXPECT_EQ(a.query, "SELECT 1");
  EXPECT_EQ(std::get<MysqlCheck>(m.services[1].ready->check.kind).url_env, "APP_DB_URL");
  const auto& c = std::get<PostgresCheck>(m.services[2].ready->check.kind);
  EXPECT_EQ(c.url, "postgresql://app@${host}:5432/app");
  EXPECT_EQ(c.password_env, "PGPASSWORD");
  EXPECT_EQ(check_kind_name(m.services[2].ready->check.kind), "postgres");
}

TEST(ManifestModel, ListenAndProxyShapes) {
  const Manifest m =
      load_ok(k_head +
              "services:\n"
              "  a: {command: [a, --fd, \"${listen_fd}\"], listen: 8000, deploy: handoff,"
              " ready: {log: up}}\n"
              "  b: {command: [b], listen: \"[::1]:8001\"}\n"
              "  c: {command: [c], listen: {address: 0.0.0.0, port: 8002, backlog: 64, name: http,"
              " drain_timeout: 5s}}\n"
              "  d:\n    command: [d, --port, \"${port}\"]\n    deploy: proxy\n"
              "    proxy: {ports: 3100-3199}\n"
              "    ready: {http: \"http://127.0.0.1:${port}/health\"}\n");
  ASSERT_EQ(m.services.size(), 4U);
  EXPECT_EQ(m.services[0].listen->address(), "127.0.0.1:8000");
  EXPECT_EQ(m.services[0].deploy, DeployMode::handoff);
  EXPECT_EQ(m.services[1].listen->address(), "[::1]:8001");
  EXPECT_EQ(m.services[2].listen->address(), "0.0.0.0:8002");
  EXPECT_EQ(m.services[2].listen->backlog, 64);
  EXPECT_EQ(m.services[2].listen->name, "http");
  EXPECT_EQ(m.services[2].listen->drain_timeout, std::chrono::seconds(5));
  EXPECT_EQ(m.services[0].listen->drain_timeout, std::chrono::seconds(30));
  const ProxySpec& proxy = *m.services[3].proxy;
  EXPECT_EQ(proxy.first_port, 3100);
  EXPECT_EQ(proxy.last_port, 3199);
  EXPECT_EQ(proxy.test.argv, (std::vector<std::string>{"nginx", "-t"}));
  EXPECT_EQ(proxy.reload.argv, (std::vector<std::string>{"nginx", "-s", "reload"}));
  EXPECT_EQ(proxy.drain_timeout, std::chrono::seconds(30));
}

TEST(ManifestModel, ProbeDefaultsDependOnRole) {
  const Manifest m = load_ok(k_head +
                             "services:\n  web:\n    command: [w]\n"
                             "    ready: {tcp: 80}\n    liveness: {tcp: 80}\n");
  const Service& web = m.services[0];
  EXPECT_EQ(web.ready->timeout, Duration(30'000));
  EXPECT_EQ(web.ready->interval, Duration(200));
  EXPECT_EQ(web.liveness->timeout, Duration(2'000));
  EXPECT_EQ(web.liveness->interval, Duration(10'000));
  EXPECT_EQ(web.liveness->failures, 3);
}

TEST(ManifestModel, EnvKeepsFileOrderAndVariables) {
  const Manifest m = load_ok(k_head +
                             "env:\n  ZED: \"1\"\n  ALPHA: ${shared}/a\n  EMPTY: \"\"\n"
                             "services:\n  web: {command: [w], env: {PORT: 8080}}\n");
  ASSERT_EQ(m.env.size(), 3U);
  EXPECT_EQ(m.env[0].name, "ZED");
  EXPECT_EQ(m.env[1].value, "${shared}/a");  // not expanded at load time
  EXPECT_EQ(m.env[2].value, "");
  EXPECT_EQ(m.services[0].env[0].value, "8080");
}

TEST(ManifestModel, StartOrderFollowsDependenciesThenFileOrder) {
  const Manifest m = load_ok(k_head +
                             "services:\n"
                             "  worker: {command: [w], depends_on: [server, redis]}\n"
                             "  server: {command: [s], depends_on: [redis]}\n"
                             "  cron: {command: [c]}\n"
                             "  redis: {command: [r]}\n");
  std::vector<std::string> order;
  for (const Service* s : m.start_order()) {
    order.push_back(s->name);
  }
  EXPECT_EQ(order, (std::vector<std::string>{"cron", "redis", "server", "worker"}));
}

TEST(ManifestModel, BuildListAndMapForms) {
  const Manifest list = load_ok(k_head +
                                "build:\n  - [make]\n  - {sh: \"make install\"}\n"
                                "services:\n  web: {command: [w]}\n");
  EXPECT_EQ(list.build.commands.size(), 2U);
  EXPECT_EQ(list.build.timeout, Duration(20 * 60'000));
  const Manifest map = load_ok(k_head +
                               "build: {commands: [[make]], timeout: 5m}\n"
                               "services:\n  web: {command: [w]}\n");
  EXPECT_EQ(map.build.timeout, Duration(5 * 60'000));
}

TEST(ManifestModel, SignalsAcceptSigPrefix) {
  const Manifest m =
      load_ok(k_head + "services:\n  web: {command: [w], stop: {signal: SIGQUIT, timeout: 1m}}\n");
  EXPECT_EQ(m.services[0].stop.signal, "QUIT");
  EXPECT_EQ(m.services[0].stop.timeout, Duration(60'000));
}

TEST(ManifestModel, WarningsDoNotFailTheLoad) {
  const LoadResult result = parse_manifest(
      k_head +
          "keep_releases: 1\nenv:\n  DB_PASSWORD: hunter2\nservices:\n"
          "  web: {command: [w], ready: {http: {url: 'http://127.0.0.1:8000/health'}}, deploy: "
          "overlap}\n",
      "app.yaml");
  ASSERT_TRUE(result.ok());
  ASSERT_EQ(result.diagnostics.size(), 2U);
  EXPECT_EQ(result.diagnostics[0].severity, Severity::warning);
  EXPECT_NE(result.diagnostics[0].message.find("looks like a secret"), std::string::npos);
  EXPECT_NE(result.diagnostics[1].message.find("the old instance can answer too"),
            std::string::npos);
  // The warning names the variable, never its value.
  EXPECT_EQ(format_diagnostic(result.diagnostics[0]).find("hunter2"), std::string::npos);
}

TEST(ManifestModel, SecretValuesNeverEchoedInErrors) {
  const LoadResult result = parse_manifest(
      k_head +
          "secrets: [JWT_SECRET_KEY]\nenv: {JWT_SECRET_KEY: s3cr3t-value-0123456789}\n"
          "services:\n  web: {command: [w]}\n",
      "app.yaml");
  ASSERT_FALSE(result.ok());
  for (const Diagnostic& d : result.diagnostics) {
    EXPECT_EQ(format_diagnostic(d).find("s3cr3t"), std::string::npos) << format_diagnostic(d);
  }
}

TEST(ManifestModel, RequirementsParseConstraintsAndSizes) {
  const Manifest m = load_ok(k_head +
                             "services:\n  web: {command: [w]}\n"
                             "requires:\n"
                             "  tools: {redis-server: \">=7.0\", cmake: \">=3.25, <4\"}\n"
                             "  memory: 512MiB\n"
                             "  os: {id: ubuntu, version: \">=22.04\"}\n");
  ASSERT_EQ(m.requires_.tools.size(), 2U);
  EXPECT_TRUE(m.requires_.tools[0].constraint.satisfied_by(Version::parse("7.2.4").value()));
  EXPECT_FALSE(m.requires_.tools[1].constraint.satisfied_by(Version::parse("4.0").value()));
  EXPECT_EQ(m.requires_.memory, 512ULL * 1024 * 1024);
  ASSERT_TRUE(m.requires_.os.has_value());
  EXPECT_EQ(m.requires_.os->ids, std::vector<std::string>{"ubuntu"});
  EXPECT_TRUE(m.requires_.os->version->satisfied_by(Version::parse("24.04").value()));
}

}  // namespace
}  // namespace bosun::manifest
