// The controller's pure parts: batches, host targets, shell quoting, the local history and
// `bosun init`; the agent session over the local transport with the real bosun-agent.

#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>

#include <gtest/gtest.h>

#include "bosun/controller/bosun_cli.hpp"
#include "bosun/manifest/loader.hpp"
#include "child_process.hpp"
#include "controller_namespaces.hpp"
#include "fleet/fleet_plan.hpp"
#include "git_repo.hpp"
#include "host/agent_channel.hpp"
#include "host/host_target.hpp"
#include "project/history_store.hpp"
#include "project/local_repo.hpp"
#include "setup/agent_service_plan.hpp"
#include "transport/transport.hpp"

namespace bosun::controller {
namespace {

namespace fs = std::filesystem;

std::vector<std::vector<std::size_t>> hosts_of(const std::vector<Batch>& batches) {
  std::vector<std::vector<std::size_t>> out;
  for (const Batch& batch : batches) {
    out.push_back(batch.hosts);
  }
  return out;
}

TEST(FleetPlan, CanaryFirstThenSerialBatches) {
  playbook::Strategy strategy;
  strategy.serial = 2;
  strategy.canary = 1;
  const auto batches = plan_batches(6, strategy);
  EXPECT_EQ(hosts_of(batches), (std::vector<std::vector<std::size_t>>{{0}, {1, 2}, {3, 4}, {5}}));
  EXPECT_TRUE(batches[0].canary);
  EXPECT_FALSE(batches[1].canary);
  strategy.canary = 0;
  strategy.serial = 25;
  strategy.serial_percent = true;
  EXPECT_EQ(hosts_of(plan_batches(10, strategy)),
            (std::vector<std::vector<std::size_t>>{{0, 1, 2}, {3, 4, 5}, {6, 7, 8}, {9}}));
  strategy.canary = 5;  // a canary as large as the stage is just the stage
  strategy.serial = 100;
  EXPECT_EQ(hosts_of(plan_batches(3, strategy)),
            (std::vector<std::vector<std::size_t>>{{0, 1, 2}}));
  EXPECT_TRUE(plan_batches(0, strategy).empty());
  strategy.max_fail = 1;
  EXPECT_FALSE(over_failure_budget(1, strategy));
  EXPECT_TRUE(over_failure_budget(2, strategy));
}

manifest::Manifest manifest_of(const std::string& yaml) {
  const auto loaded = manifest::parse_manifest(yaml, "app.yaml");
  EXPECT_TRUE(loaded.ok()) << manifest::format_diagnostics(loaded.diagnostics);
  return loaded.manifest.value_or(manifest::Manifest{});
}

const std::string k_base =
    "app: shop\nrepo: r\nroot: /srv/${app}/${host}\nservices: {web: {command: [x]}}\n"
    "ssh: {user: deploy, port: 2222, identity: /keys/id, connect_timeout: 3s}\n";

TEST(HostTargets, StagesSshSettingsAndRoots) {
  const auto manifest =
      manifest_of(k_base +
                  "stages:\n"
                  "  production: {hosts: [ecs-1.example.com, 'ops@10.0.0.9:22']}\n"
                  "  staging: {hosts: [localhost], root: '/tmp/${stage}/${app}'}\n"
                  "  behind:\n    hosts: [web-2]\n"
                  "    ssh: {config: /etc/bosun/ssh_config, proxy_jump: 'ops@bastion:2200'}\n");
  const auto production = resolve_targets(manifest, {"production", {}, false, {}});
  ASSERT_TRUE(production.has_value()) << production.error();
  ASSERT_EQ(production->size(), 2U);
  const HostTarget& first = (*production)[0];
  EXPECT_EQ(first.ssh.host, "ecs-1.example.com");
  EXPECT_EQ(first.ssh.user, "deploy");
  EXPECT_EQ(first.ssh.port, 2222);
  EXPECT_EQ(first.ssh.identity, "/keys/id");
  EXPECT_EQ(first.root, "/srv/shop/ecs-1.example.com");
  EXPECT_EQ(first.agent, "/srv/shop/ecs-1.example.com/bin/bosun-agent");
  EXPECT_FALSE(first.local);
  const HostTarget& second = (*production)[1];
  EXPECT_EQ(second.ssh.user, "ops");
  EXPECT_EQ(second.ssh.port, 22);
  EXPECT_EQ(second.ssh.host, "10.0.0.9");
  const auto staging = resolve_targets(manifest, {"staging", {}, true, {}});
  ASSERT_TRUE(staging.has_value());
  EXPECT_TRUE((*staging)[0].local);
  EXPECT_EQ((*staging)[0].root, "/tmp/staging/shop");
  EXPECT_TRUE((*staging)[0].ssh.accept_new_host_keys);
  // A stage's ssh block adds to the top-level one; what it leaves out is kept.
  const auto behind = resolve_targets(manifest, {"behind", {}, false, {}});
  ASSERT_TRUE(behind.has_value()) << behind.error();
  const SshSettings& ssh = (*behind)[0].ssh;
  EXPECT_EQ(ssh.config_file, "/etc/bosun/ssh_config");
  EXPECT_EQ(ssh.proxy_jump, "ops@bastion:2200");
  EXPECT_EQ(ssh.user, "deploy");
  EXPECT_EQ(ssh.identity, "/keys/id");
  EXPECT_EQ(ssh.connect_timeout, std::chrono::milliseconds(3'000));
  EXPECT_EQ(ssh.keepalive, std::chrono::milliseconds(15'000));
  EXPECT_EQ(first.ssh.config_file, "");  // ~/.ssh/config
  // ${host} is the address connected to: an ssh config alias resolved to its HostName.
  const auto resolved = resolve_targets(
      manifest, {"behind", {}, false, [](const SshSettings& settings) {
                   return settings.host == "web-2" ? std::string("10.0.0.7") : settings.host;
                 }});
  ASSERT_TRUE(resolved.has_value()) << resolved.error();
  EXPECT_EQ((*resolved)[0].address, "10.0.0.7");
  EXPECT_EQ((*resolved)[0].root, "/srv/shop/10.0.0.7");
  EXPECT_EQ((*resolved)[0].ssh.host, "web-2");  // what the config's Host blocks match
}

TEST(HostTargets, AnAliasResolvesThroughTheSshConfigWithoutConnecting) {
  char dir_template[] = "/tmp/bosun-sshconfig-XXXXXX";
  const std::string dir = ::mkdtemp(dir_template);
  std::ofstream(dir + "/config") << "Host web-9\n  HostName 10.1.2.3\n  Port 2200\n";
  SshSettings alias;
  alias.host = "web-9";
  alias.config_file = dir + "/config";
  EXPECT_EQ(SshTransport::address_of(alias), "10.1.2.3");
  SshSettings plain = alias;
  plain.host = "192.0.2.5";
  EXPECT_EQ(SshTransport::address_of(plain), "192.0.2.5");
  std::filesystem::remove_all(dir);
}

TEST(HostTargets, ClearErrors) {
  const auto manifest =
      manifest_of(k_base + "stages:\n  production: {hosts: [a]}\n  staging: {hosts: [b]}\n");
  const auto none = resolve_targets(manifest, {"", {}, false, {}});
  ASSERT_FALSE(none.has_value());
  EXPECT_NE(none.error().find("-d/--stage: production, staging"), std::string::npos);
  const auto typo = resolve_targets(manifest, {"prodution", {}, false, {}});
  EXPECT_NE(typo.error().find("did you mean production?"), std::string::npos) << typo.error();
  const auto outside = resolve_targets(manifest, {"production", {"b"}, false, {}});
  EXPECT_NE(outside.error().find("not in stage production"), std::string::npos);
  const auto subset = resolve_targets(manifest, {"production", {"a"}, false, {}});
  ASSERT_TRUE(subset.has_value());
  const auto bad_port = resolve_targets(
      manifest_of(k_base + "stages:\n  p: {hosts: ['h:99999']}\n"), {"p", {}, false, {}});
  EXPECT_NE(bad_port.error().find("port must be 1 to 65535"), std::string::npos);
}

TEST(Transport, ShellQuotingSurvivesAShell) {
  for (const std::string& word :
       {std::string("plain"), std::string("it's"), std::string("$HOME `x` \"q\""), std::string(""),
        std::string("a b\nc")}) {
    LocalTransport local;
    const RemoteResult result =
        local.capture({"sh", "-c", "printf '%s' " + shell_quote(word)}, std::chrono::seconds(10));
    ASSERT_EQ(result.exit_code, 0);
    EXPECT_EQ(result.output, word.empty() ? word : word + "\n");  // lines come back with \n
  }
  EXPECT_EQ(shell_line({"echo", "a b", "c"}), "echo 'a b' c");
}

TEST(Transport, LocalUploadIsAtomicWithItsMode) {
  char dir_template[] = "/tmp/bosun-upload-XXXXXX";
  const std::string dir = ::mkdtemp(dir_template);
  LocalTransport local;
  local.upload("SECRET=1\n", dir + "/shared/.env", 0600);
  struct stat info {};
  ASSERT_EQ(::stat((dir + "/shared/.env").c_str(), &info), 0);
  EXPECT_EQ(info.st_mode & 0777, 0600U);
  EXPECT_FALSE(fs::exists(dir + "/shared/.env.bosun-upload"));
  const RemoteResult timed_out = local.run(
      {"sleep", "5"}, [](std::string_view) {}, std::chrono::milliseconds(200));
  EXPECT_EQ(timed_out.exit_code, -1);
  EXPECT_EQ(timed_out.error, "timed out");
  fs::remove_all(dir);
}

TEST(AgentChannel, ManyAgentCommandsOverOneSession) {
  char dir_template[] = "/tmp/bosun-session-XXXXXX";
  const std::string root = ::mkdtemp(dir_template);
  LocalTransport local;
  AgentChannel channel(local.start({BOSUN_AGENT_BIN, "session"}));
  const auto call = [&](const std::vector<std::string>& args) {
    std::string output;
    RemoteResult result = channel.call(args, append_to(output), std::chrono::seconds(20));
    result.output = output;
    return result;
  };
  const RemoteResult releases = call({"releases", "--root", root, "--json"});
  EXPECT_EQ(releases.exit_code, 0) << releases.error << releases.output;
  EXPECT_NE(releases.output.find("\"releases\""), std::string::npos) << releases.output;
  EXPECT_EQ(
      call({"lock", "acquire", "--root", root, "--holder", "alice", "-m", "deploy x"}).exit_code,
      0);
  const RemoteResult status = call({"lock", "status", "--root", root});
  EXPECT_NE(status.output.find("alice"), std::string::npos) << status.output;
  // A failing command is an answer, not a broken session.
  const RemoteResult not_mine = call({"lock", "release", "--root", root, "--holder", "bob"});
  EXPECT_EQ(not_mine.exit_code, 1) << not_mine.output;
  EXPECT_NE(not_mine.output.find("not yours to release"), std::string::npos) << not_mine.output;
  EXPECT_TRUE(channel.usable());
  EXPECT_EQ(call({"lock", "release", "--root", root, "--holder", "alice"}).exit_code, 0);
  channel.close(std::chrono::seconds(5));
  EXPECT_FALSE(channel.usable());
  EXPECT_NE(call({"releases", "--root", root}).error, "");
  fs::remove_all(root);
}

TEST(AgentChannel, SaysWhenTheSessionEndsOrDoesNotAnswer) {
  LocalTransport local;
  // What an agent without sessions (or no agent) looks like: the command just ends.
  AgentChannel ended(local.start({"sh", "-c", "echo 'no such command'; exit 2"}));
  std::string said;
  const RemoteResult gone = ended.call(
      {"releases"}, [&](std::string_view line) { said += line; }, std::chrono::seconds(10));
  EXPECT_EQ(gone.exit_code, -1);
  EXPECT_EQ(gone.error, "the agent session ended (exit 2)");
  EXPECT_EQ(said, "no such command");
  EXPECT_FALSE(ended.usable());
  AgentChannel silent(local.start({"sleep", "30"}));
  const RemoteResult quiet = silent.call(
      {"releases"}, [](std::string_view) {}, std::chrono::milliseconds(200));
  EXPECT_EQ(quiet.exit_code, -1);
  EXPECT_EQ(quiet.error, "no answer within 200ms");
  EXPECT_FALSE(silent.usable());
}

TEST(AgentServicePlan, ProbeAnswersAreReadFromTheLastLine) {
  const HostServiceProbe root = parse_probe("welcome to the host\nsystemd-root root\n");
  EXPECT_EQ(root.manager, ServiceManager::systemd_as_root);
  EXPECT_EQ(root.user, "root");
  EXPECT_EQ(parse_probe("systemd-sudo deploy").manager, ServiceManager::systemd_with_sudo);
  EXPECT_EQ(parse_probe("user-nosudo deploy").manager, ServiceManager::user_daemon);
  EXPECT_EQ(parse_probe("user-nosudo deploy").why_not_systemd,
            "a systemd unit needs root or passwordless sudo, and deploy has neither");
  // As root on a machine (or container) whose PID 1 is not systemd: that is the reason.
  EXPECT_EQ(parse_probe("user-nosystemd root").why_not_systemd,
            "systemd is not running on the host (PID 1 is not systemd)");
  EXPECT_EQ(parse_probe("").manager, ServiceManager::user_daemon);
  // The probe itself, run here: this machine gives one of the three answers and its user.
  LocalTransport local;
  const RemoteResult printed =
      local.capture({"sh", "-c", probe_script()}, std::chrono::seconds(20));
  ASSERT_EQ(printed.exit_code, 0) << printed.output;
  EXPECT_TRUE(std::regex_match(
      printed.output, std::regex("(systemd-root|systemd-sudo|user-nosudo|user-nosystemd) [^ ]+\n")))
      << printed.output;
}

TEST(AgentServicePlan, ASystemdUnitThatKeepsTheAppAcrossAgentRestarts) {
  const AgentService service{"shop",
                             "/srv/bosun/shop",
                             "deploy",
                             {"--root", "/srv/bosun/shop", "--repo", "git@example.com:a b.git",
                              "--host", "web-1", "--stage", "100%"}};
  EXPECT_EQ(unit_name(service), "bosun-agent-shop.service");
  const std::string unit = systemd_unit(service);
  EXPECT_NE(unit.find("ExecStart=\"/srv/bosun/shop/bin/bosun-agent\" run \"--root\" "
                      "\"/srv/bosun/shop\" \"--repo\" \"git@example.com:a b.git\" \"--host\" "
                      "\"web-1\" \"--stage\" \"100%%\"\n"),
            std::string::npos)
      << unit;
  for (const char* line :
       {"Type=notify\n", "User=deploy\n", "KillMode=process\n", "Restart=always\n",
        "WorkingDirectory=/srv/bosun/shop\n", "WantedBy=multi-user.target\n"}) {
    EXPECT_NE(unit.find(line), std::string::npos) << line << " in\n" << unit;
  }
  EXPECT_EQ(systemd_install_script(service, "/srv/bosun/shop/setup/u.service",
                                   ServiceManager::systemd_with_sudo),
            "sudo -n install -m 0644 /srv/bosun/shop/setup/u.service "
            "/etc/systemd/system/bosun-agent-shop.service && sudo -n systemctl daemon-reload && "
            "sudo -n systemctl enable --quiet bosun-agent-shop.service && sudo -n systemctl "
            "restart bosun-agent-shop.service");
  EXPECT_EQ(systemd_install_script(service, "/u", ServiceManager::systemd_as_root).find("sudo"),
            std::string::npos);
  EXPECT_EQ(user_daemon_script(service),
            "cd /srv/bosun/shop && setsid -f /srv/bosun/shop/bin/bosun-agent run --root "
            "/srv/bosun/shop --repo 'git@example.com:a b.git' --host web-1 --stage 100% >> "
            "/srv/bosun/shop/agent.log 2>&1 < /dev/null");
}

TEST(History, RecordsRunsWithTheirHosts) {
  char dir_template[] = "/tmp/bosun-history-XXXXXX";
  const std::string dir = ::mkdtemp(dir_template);
  HistoryStore store(dir + "/.bosun/history.db");
  HostOutcome host;
  host.host = "ecs-1";
  host.from_commit = "aaaa";
  host.to_commit = "bbbb";
  host.result = HostResult::succeeded;
  host.took = std::chrono::milliseconds(1200);
  HostOutcome restored = host;
  restored.host = "ecs-2";
  restored.result = HostResult::rolled_back;
  restored.restored_backup = "the database was restored from the backup /b/x.db (taken ...)";
  store.record({0,
                "deploy",
                "production",
                "alice@laptop",
                "bbbb",
                1000,
                2500,
                true,
                "1 ok",
                {host, restored}});
  store.record({0, "rollback", "production", "bob@laptop", "", 3000, 3400, false, "0 of 1", {}});
  const auto entries = store.recent(10);
  ASSERT_EQ(entries.size(), 2U);
  EXPECT_EQ(entries[0].kind, "rollback");
  EXPECT_EQ(entries[1].who, "alice@laptop");
  ASSERT_EQ(entries[1].hosts.size(), 2U);
  EXPECT_EQ(entries[1].hosts[0].to_commit, "bbbb");
  EXPECT_EQ(entries[1].hosts[0].took.count(), 1200);
  EXPECT_EQ(entries[1].hosts[0].restored_backup, "");
  EXPECT_EQ(entries[1].hosts[1].restored_backup, restored.restored_backup);
  EXPECT_EQ(entries[1].hosts[1].result, HostResult::rolled_back);
  fs::remove_all(dir);
}

TEST(InitCommand, WritesAManifestThatChecksAndKeepsSecretsOutOfGit) {
  char dir_template[] = "/tmp/bosun-init-XXXXXX";
  const std::string dir = ::mkdtemp(dir_template);
  std::ostringstream out;
  std::ostringstream err;
  ASSERT_EQ(run_bosun({"init", "--dir", dir}, out, err), 0) << err.str();
  EXPECT_TRUE(manifest::load_manifest_file(dir + "/app.yaml").ok());
  struct stat info {};
  ASSERT_EQ(::stat((dir + "/.bosun/secrets").c_str(), &info), 0);
  EXPECT_EQ(info.st_mode & 0777, 0600U);
  std::ifstream ignore(dir + "/.gitignore");
  std::stringstream text;
  text << ignore.rdbuf();
  EXPECT_NE(text.str().find(".bosun/secrets"), std::string::npos);
  EXPECT_EQ(run_bosun({"init", "--dir", dir}, out, err), 2) << "no silent overwrite";
  // -c: the manifest elsewhere, .bosun/ beside it; --json says what was written.
  std::ostringstream json;
  ASSERT_EQ(run_bosun({"init", "-c", dir + "/deploy/bosun.yaml", "--json"}, json, err), 0)
      << err.str();
  EXPECT_TRUE(manifest::load_manifest_file(dir + "/deploy/bosun.yaml").ok());
  EXPECT_TRUE(fs::exists(dir + "/deploy/.bosun/secrets"));
  EXPECT_NE(json.str().find("\"secrets\":\"" + dir + "/deploy/.bosun/secrets\""), std::string::npos)
      << json.str();
  fs::remove_all(dir);
}

// A FastAPI app with Postgres, alembic and a docker-compose.yml: the manifest is for that
// stack, secrets by name only, and the compose services are listed with their lines.
TEST(InitCommand, RecognisesTheStackAndListsComposeServices) {
  test::TempDir dir;
  const auto write = [&](const std::string& file, const std::string& text) {
    fs::create_directories(fs::path(dir.path() + "/" + file).parent_path());
    std::ofstream(dir.path() + "/" + file) << text;
  };
  write("app/server.py", "from fastapi import FastAPI\n\nservice = FastAPI()\n");
  write("requirements.txt", "fastapi\npsycopg2-binary\nalembic\n");
  write("alembic.ini", "[alembic]\nscript_location = migrations\n");
  write("docker-compose.yml",
        "services:\n  api:\n    build: ./backend\n    ports: [\"8000:8000\"]\n"
        "    env_file: .env\n  db:\n    image: postgres:16\n"
        "    healthcheck:\n      test: [CMD, pg_isready]\n");
  std::ostringstream out;
  std::ostringstream err;
  ASSERT_EQ(run_bosun({"init", "--dir", dir.path(), "--json"}, out, err), 0) << err.str();
  EXPECT_NE(out.str().find("\"stack\":\"FastAPI\""), std::string::npos) << out.str();
  const manifest::LoadResult loaded = manifest::load_manifest_file(dir.path() + "/app.yaml");
  ASSERT_TRUE(loaded.ok());
  const manifest::Manifest& m = *loaded.manifest;
  EXPECT_EQ(m.database.kind, manifest::DatabaseKind::postgres);
  EXPECT_EQ(m.secrets, std::vector<std::string>{"DATABASE_URL"});
  ASSERT_TRUE(m.build.python.has_value());
  ASSERT_EQ(m.services.size(), 1U);
  EXPECT_EQ(m.services[0].command.argv,
            (std::vector<std::string>{".venv/bin/python", "-m", "uvicorn", "app.server:service",
                                      "--fd", "${listen_fd}"}));
  // uvicorn takes the agent's socket: a deploy hands it over instead of a restart's gap.
  EXPECT_EQ(m.services[0].deploy, manifest::DeployMode::handoff);
  ASSERT_TRUE(m.services[0].listen.has_value());
  EXPECT_EQ(m.services[0].listen->address(), "127.0.0.1:8000");
  EXPECT_EQ(m.database.migrate_base, "base");
  std::ifstream written(dir.path() + "/app.yaml");
  std::stringstream text;
  text << written.rdbuf();
  EXPECT_NE(text.str().find("#   api (line 2): build: ./backend; ports 8000:8000; env_file .env"),
            std::string::npos)
      << text.str();
  EXPECT_NE(text.str().find("#   db (line 6): postgres:16; healthcheck CMD pg_isready"),
            std::string::npos)
      << text.str();
  std::ifstream secrets(dir.path() + "/.bosun/secrets");
  std::stringstream names;
  names << secrets.rdbuf();
  EXPECT_NE(names.str().find("DATABASE_URL="), std::string::npos);
}

TEST(InitCommand, TemplateWhenNothingIsRecognisedOrAsked) {
  test::TempDir dir;
  std::ofstream(dir.path() + "/package.json") << R"({"name": "My Tool", "dependencies": {}})";
  std::ostringstream out;
  std::ostringstream err;
  ASSERT_EQ(run_bosun({"init", "--dir", dir.path()}, out, err), 0) << err.str();
  EXPECT_EQ(out.str().find("found a"), std::string::npos) << out.str();
  EXPECT_TRUE(manifest::load_manifest_file(dir.path() + "/app.yaml").ok());
  EXPECT_EQ(run_bosun({"init", "--dir", dir.path(), "--force", "--port", "99999"}, out, err), 2);
  EXPECT_NE(err.str().find("--port 99999"), std::string::npos) << err.str();
}

// `bosun deploy` with an edited app.yaml deploys the committed one; it must say so.
TEST(LocalRepo, TellsWhenTheManifestOnDiskIsNotTheCommittedOne) {
  test::TempDir dir;
  test::GitRepo repo(dir.path() + "/app");
  const std::string v1 = repo.commit("app.yaml", "app: one\n", "v1");
  const std::string manifest = repo.path() + "/app.yaml";
  EXPECT_FALSE(resolve_in_repo(manifest, "")->manifest_differs);
  repo.write("app.yaml", "app: one\nkeep_releases: 3\n");
  const auto edited = resolve_in_repo(manifest, "");
  ASSERT_TRUE(edited.has_value()) << edited.error();
  EXPECT_TRUE(edited->manifest_differs);
  EXPECT_EQ(edited->commit, v1);
  repo.commit_all("v2");
  EXPECT_FALSE(resolve_in_repo(manifest, "")->manifest_differs);
  EXPECT_TRUE(resolve_in_repo(manifest, v1)->manifest_differs) << "an older commit's differs";
  const std::string untracked = repo.path() + "/deploy/staging.yaml";
  repo.write("deploy/staging.yaml", "app: one\n");
  EXPECT_TRUE(resolve_in_repo(untracked, "")->manifest_differs) << "not in the commit at all";
}

}  // namespace
}  // namespace bosun::controller
