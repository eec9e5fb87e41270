// The controller against a loopback fleet: real sshd instances on 127.0.0.x with generated
// host keys and a test user key, each host with its own agent (installed by `bosun setup`)
// and root, serving the platform's server on its own address.

#include "bosun/common/environment.hpp"
#include "fleet_fixture.hpp"

namespace bosun::test::fleet {
namespace {

TEST_F(FleetTest, RollingDeployToFiveHostsThenRollbackWithoutLeakingTheSecret) {
  // sshd as Debian and Ubuntu ship it: OpenSSH's sftp-server program for SFTP.
  SshFleet fleet(5, "Subsystem sftp /usr/lib/openssh/sftp-server\n");
  make_project(fleet);
  const std::string v1 = commit("1");
  // Unknown hosts are refused with their fingerprint until accepted explicitly.
  const BosunRun refused = bosun({"setup"});
  EXPECT_EQ(refused.code, 1) << refused.output;
  EXPECT_NE(refused.output.find("unknown host"), std::string::npos) << refused.output;
  EXPECT_NE(refused.output.find("SHA256:"), std::string::npos) << refused.output;
  const BosunRun setup =
      bosun({"setup", "--accept-new-host-keys"}, seconds(180), {"BOSUN_SSH_TRACE=1"});
  ASSERT_EQ(setup.code, 0) << setup.output;
  for (std::size_t i = 0; i < fleet.size(); ++i) {
    EXPECT_NE(
        setup.output.find("ssh " + fleet.entry(i) + ": [sftp] " + roots[i] + "/bin/bosun-agent"),
        std::string::npos)
        << setup.output;
  }
  const BosunRun first = bosun({"deploy", "--json"});
  ASSERT_EQ(first.code, 0) << first.output;
  EXPECT_NE(first.output.find("\"type\":\"summary\""), std::string::npos);
  const std::string v2 = commit("2");
  const BosunRun second = bosun({"deploy"}, seconds(180), {"BOSUN_SSH_TRACE=1"});
  ASSERT_EQ(second.code, 0) << second.output;
  // One SSH channel per host for the whole deploy, and that one a stream to the running
  // agent's session socket: no login shell, no process started on the host.
  for (std::size_t i = 0; i < fleet.size(); ++i) {
    const std::regex traced("(^|\\n)ssh " + fleet.entry(i) + ": ");
    EXPECT_EQ(
        std::distance(std::sregex_iterator(second.output.begin(), second.output.end(), traced),
                      std::sregex_iterator()),
        1)
        << second.output;
    EXPECT_NE(second.output.find("ssh " + fleet.entry(i) + ": [socket] " + roots[i] +
                                 "/session.sock -> 0"),
              std::string::npos)
        << second.output;
  }
  for (std::size_t i = 0; i < fleet.size(); ++i) {
    EXPECT_TRUE(
        std::regex_search(second.output, std::regex(fleet.entry(i) + " +" + v1.substr(0, 8) +
                                                    " -> " + v2.substr(0, 8) + " +succeeded")))
        << second.output;
  }
  const BosunRun status = bosun({"status"});
  EXPECT_EQ(status.code, 0) << status.output;
  EXPECT_EQ(status.output.find("drift"), std::string::npos) << status.output;
  // What the live release brought since the last good one: the suspects in an incident.
  EXPECT_NE(status.output.find("since the last good release"), std::string::npos) << status.output;
  EXPECT_NE(status.output.find(v2.substr(0, 8) + " v2"), std::string::npos) << status.output;
  // An incident on one host: its server stopped. Status names it and gives the way back.
  const auto agent_on = [&](std::size_t i, const std::string& action) {
    ChildProcess run({{BOSUN_AGENT_BIN, action, "server", "--root", roots[i]}, {}, roots[i], ""});
    const auto done = run.wait(seconds(30));
    return done && WIFEXITED(*done) ? WEXITSTATUS(*done) : -1;
  };
  ASSERT_EQ(agent_on(2, "stop"), 0);
  const BosunRun incident = bosun({"status"});
  EXPECT_EQ(incident.code, 1) << incident.output;
  EXPECT_TRUE(std::regex_search(incident.output, std::regex("server +stopp(ing|ed) ")))
      << incident.output;
  EXPECT_NE(incident.output.find("something is unhealthy. To go back to the last good release "
                                 "everywhere:\n  bosun rollback -c app.yaml -d test\n"),
            std::string::npos)
      << incident.output;
  const BosunRun incident_json = bosun({"status", "--json"});
  EXPECT_EQ(json_of(incident_json.output)->getValue<std::string>("rollback_command"),
            "bosun rollback -c app.yaml -d test")
      << incident_json.output;
  ASSERT_EQ(agent_on(2, "start"), 0);
  const BosunRun back = bosun({"rollback"});
  EXPECT_EQ(back.code, 0) << back.output;
  EXPECT_NE(back.output.find("5 of 5 rolled back"), std::string::npos) << back.output;
  const BosunRun history = bosun({"history"});
  EXPECT_NE(history.output.find("rollback"), std::string::npos) << history.output;
  EXPECT_NE(history.output.find("deploy " + v2.substr(0, 8)), std::string::npos);
  // The secret is in the hosts' shared/.env (0600) and nowhere else.
  for (const std::string& root : roots) {
    EXPECT_EQ(read_file(root + "/shared/.env"), "JWT_SECRET_KEY=" + k_secret + "\n");
    EXPECT_EQ(fs::status(root + "/shared/.env").permissions() & fs::perms::all,
              fs::perms::owner_read | fs::perms::owner_write);
  }
  EXPECT_EQ(outputs.find(k_secret), std::string::npos) << "in the controller's output";
  for (const auto& entry : fs::recursive_directory_iterator(work.path())) {
    if (!entry.is_regular_file() || entry.path().filename() == ".env" ||
        entry.path().filename() == "secrets" ||
        entry.path().string().find("/releases/") != std::string::npos) {
      continue;
    }
    EXPECT_EQ(read_file(entry.path().string()).find(k_secret), std::string::npos)
        << "the secret leaked into " << entry.path();
  }
}

// Issue 16, item 6: setup merges the secrets into what the host's shared/.env already holds,
// read over SFTP (no login shell can print into it), and writes it so that the host's own
// values come back as they were: quoted spaces and a value over two lines included.
TEST_F(FleetTest, SetupKeepsTheHostsOwnEnvValuesAsTheyWereReadOverSftp) {
  SshFleet fleet(1, "Subsystem sftp /usr/lib/openssh/sftp-server\n");
  make_project(fleet);
  commit("1");
  fs::create_directories(roots[0] + "/shared");
  std::ofstream(roots[0] + "/shared/.env")
      << "GREETING=\"hello big world\"\nCERT=\"line one\nline two\"\n";
  const BosunRun setup =
      bosun({"setup", "--accept-new-host-keys"}, seconds(180), {"BOSUN_SSH_TRACE=1"});
  ASSERT_EQ(setup.code, 0) << setup.output;
  EXPECT_NE(setup.output.find("[sftp] read " + roots[0] + "/shared/.env"), std::string::npos)
      << setup.output;
  EXPECT_NE(setup.output.find("2 value(s) only the host had were kept"), std::string::npos)
      << setup.output;
  // Item 13: each upload is on the host's disk before its rename (fsync@openssh.com).
  EXPECT_TRUE(std::regex_search(
      setup.output,
      std::regex("\\[sftp\\] " + roots[0] + "/shared/\\.env \\(\\d+ bytes, fsync'ed\\)")))
      << setup.output;
  const auto values = parse_dotenv(read_file(roots[0] + "/shared/.env"));
  EXPECT_EQ(values.at("GREETING"), "hello big world");
  EXPECT_EQ(values.at("CERT"), "line one\nline two");
  EXPECT_EQ(values.at("JWT_SECRET_KEY"), k_secret);  // TearDown stops what setup started
}

TEST_F(FleetTest, ACanaryFailureStopsTheStage) {
  // Hardened sshd (no forwarding at all, no SFTP): the agent session falls back to an exec
  // channel, and setup streams its files over exec channels too.
  SshFleet fleet(3, "DisableForwarding yes\n# no Subsystem line: no SFTP\n");
  make_project(fleet);
  fleet.trust_all();
  commit("1");
  const BosunRun setup = setup_ok({"BOSUN_SSH_TRACE=1"});
  EXPECT_NE(setup.output.find("[stream] " + roots[0] + "/bin/bosun-agent"), std::string::npos)
      << setup.output;
  const BosunRun first = bosun({"deploy"}, seconds(180), {"BOSUN_SSH_TRACE=1"});
  ASSERT_EQ(first.code, 0) << first.output;
  EXPECT_EQ(first.output.find("[socket]"), std::string::npos) << first.output;
  EXPECT_NE(first.output.find("bosun-agent session"), std::string::npos) << first.output;
  // A release whose server cannot reach Redis: /ready fails on the canary.
  const std::string bad = commit("2-bad", "");
  std::string yaml = read_file(repo.path() + "/app.yaml");
  yaml = std::regex_replace(yaml, std::regex("HANDOVER_GRACE_MS: '50'"),
                            "HANDOVER_GRACE_MS: '50', REDIS_URL: 'redis://127.0.0.1:1'");
  repo.write("app.yaml", yaml);
  const std::string broken = repo.commit_all("broken");
  const BosunRun run = bosun({"deploy"});
  EXPECT_EQ(run.code, 1) << run.output;
  EXPECT_TRUE(std::regex_search(run.output, std::regex(fleet.entry(0) + " .* rolled-back")))
      << run.output;
  for (std::size_t i = 1; i < fleet.size(); ++i) {
    EXPECT_TRUE(std::regex_search(run.output, std::regex(fleet.entry(i) + " .* skipped")))
        << run.output;
  }
  EXPECT_NE(run.output.find("the stage stopped"), std::string::npos);
  (void)bad;
  (void)broken;
  const BosunRun status = bosun({"status"});
  EXPECT_EQ(status.code, 0) << "every host is back on one good release: " << status.output;
}

TEST_F(FleetTest, AChangedHostKeyIsAlwaysRefused) {
  SshFleet fleet(2);
  make_project(fleet);
  fleet.trust_wrong_key(1);
  commit("1");
  const BosunRun run = bosun({"setup", "--accept-new-host-keys"});
  EXPECT_EQ(run.code, 1) << run.output;
  EXPECT_NE(run.output.find("has CHANGED"), std::string::npos) << run.output;
  EXPECT_NE(run.output.find("ssh-keygen -R"), std::string::npos) << run.output;
  const BosunRun deploy = bosun({"deploy"});
  EXPECT_EQ(deploy.code, 1) << deploy.output;
  EXPECT_NE(deploy.output.find("stopped before any change"), std::string::npos) << deploy.output;
}

TEST_F(FleetTest, ASecondControllerIsLockedOutWithTheHoldersName) {
  SshFleet fleet(2);
  make_project(fleet);
  fleet.trust_all();
  commit("1");
  setup_ok();
  // Another operator holds the stage (e.g. during an incident).
  ChildProcess other({{BOSUN_AGENT_BIN, "lock", "acquire", "--root", roots[1], "--holder",
                       "alice@laptop", "-m", "incident 42"},
                      {},
                      work.path(),
                      work.path() + "/other.out"});
  ASSERT_TRUE(other.wait(seconds(20)).has_value());
  const BosunRun run = bosun({"deploy"});
  EXPECT_EQ(run.code, 1) << run.output;
  EXPECT_NE(run.output.find("alice@laptop"), std::string::npos) << run.output;
  EXPECT_NE(run.output.find("incident 42"), std::string::npos) << run.output;
  EXPECT_FALSE(fs::exists(roots[0] + "/current")) << "nothing changed on the free host";
  const BosunRun lock = bosun({"lock", "status"});
  EXPECT_NE(lock.output.find("unlocked"), std::string::npos) << "host 1's lock was given back";
}

TEST_F(FleetTest, ReadyGapLogsAndRestartAcrossTheStage) {
  SshFleet fleet(2);
  make_project(fleet);
  // The laptop and the hosts both get the secret; the manifest requires it. (No ports_free
  // here: loopback "hosts" share one kernel, so one host's server holds the others' port.)
  std::ofstream(repo.path() + "/app.yaml", std::ios::app)
      << "requires:\n  env: [JWT_SECRET_KEY]\n  disk_free: 1MiB\n";
  fleet.trust_all();
  commit("1");
  setup_ok();
  const BosunRun before = bosun({"gap"});
  EXPECT_EQ(before.code, 0) << before.output;
  EXPECT_NE(before.output.find("REQUIREMENT"), std::string::npos);
  EXPECT_NE(before.output.find("HOST(S)"), std::string::npos);
  EXPECT_NE(before.output.find("env JWT_SECRET_KEY"), std::string::npos) << before.output;
  EXPECT_NE(before.output.find("no blocking gap"), std::string::npos) << before.output;
  const BosunRun gap_json = bosun({"gap", "--json"});
  EXPECT_NE(gap_json.output.find("\"blocking\":false"), std::string::npos) << gap_json.output;
  // At a terminal: one live line per host, redrawn in place, then the final table.
  const BosunRun live = run_on_terminal(
      {BOSUN_BIN, "deploy"},
      {"HOME=" + work.path() + "/home", "BOSUN_WHO=tester@ci", "TERM=xterm", "LANG=C.UTF-8"},
      repo.path(), seconds(180));
  ASSERT_EQ(live.code, 0) << live.output;
  EXPECT_NE(live.output.find("\033[2A"), std::string::npos) << "lines redrawn in place";
  for (std::size_t i = 0; i < fleet.size(); ++i) {
    EXPECT_TRUE(std::regex_search(live.output,
                                  std::regex("\033\\[2K" + fleet.entry(i) + " +(checkout|build) ")))
        << "a live line per host with its step";
    EXPECT_TRUE(std::regex_search(live.output,
                                  std::regex(fleet.entry(i) + " +- -> [0-9a-f]{8} +succeeded")))
        << live.output;
  }
  const BosunRun ready = bosun({"ready"});
  EXPECT_EQ(ready.code, 0) << ready.output;
  EXPECT_NE(ready.output.find("ready: 0 failing"), std::string::npos) << ready.output;
  const BosunRun restart = bosun({"restart", "server"});
  EXPECT_EQ(restart.code, 0) << restart.output;
  const BosunRun unknown = bosun({"restart", "nope"});
  EXPECT_EQ(unknown.code, 2);
  EXPECT_NE(unknown.output.find("unknown service \"nope\""), std::string::npos);
  const BosunRun logs = bosun({"logs", "server", "-n", "5"});
  EXPECT_EQ(logs.code, 0) << logs.output;
  EXPECT_NE(logs.output.find(fleet.entry(0) + " | "), std::string::npos) << logs.output;
  const BosunRun json_logs = bosun({"logs", "server", "-n", "1", "--json"});
  EXPECT_EQ(json_logs.code, 0) << json_logs.output;
  EXPECT_EQ(json_of(json_logs.output.substr(0, json_logs.output.find('\n')))->size(), 2U)
      << json_logs.output;
  // --json: one document for the stage, each host's answer in it.
  const BosunRun releases = bosun({"releases", "--json"});
  ASSERT_EQ(releases.code, 0) << releases.output;
  const auto release_hosts = json_of(releases.output)->getArray("hosts");
  ASSERT_EQ(release_hosts->size(), fleet.size()) << releases.output;
  for (std::size_t i = 0; i < fleet.size(); ++i) {
    const auto entry = release_hosts->getObject(static_cast<unsigned>(i));
    EXPECT_EQ(entry->getValue<std::string>("host"), fleet.entry(i));
    EXPECT_EQ(entry->getValue<int>("exit_code"), 0);
    EXPECT_EQ(entry->getObject("answer")->getArray("releases")->size(), 1U) << releases.output;
  }
  const BosunRun locks = bosun({"lock", "status", "--json"});
  ASSERT_EQ(locks.code, 0) << locks.output;
  EXPECT_FALSE(json_of(locks.output)
                   ->getArray("hosts")
                   ->getObject(1)
                   ->getObject("answer")
                   ->getValue<bool>("locked"))
      << locks.output;
  // Setting up again replaces the running agents and keeps values only the host had.
  std::ofstream(roots[0] + "/shared/.env", std::ios::app) << "HOST_ONLY=kept\n";
  const BosunRun again = bosun({"setup"});
  EXPECT_EQ(again.code, 0) << again.output;
  EXPECT_NE(again.output.find("1 value(s) only the host had were kept"), std::string::npos)
      << again.output;
  // Each host's steps as they happen, prefixed with the host; then each host's gap analysis.
  EXPECT_NE(again.output.find(fleet.entry(1) + ": agent running: user-level daemon"),
            std::string::npos)
      << again.output;
  EXPECT_NE(again.output.find("\n== " + fleet.entry(0) + "\nGap analysis of fleet"),
            std::string::npos)
      << again.output;
  EXPECT_EQ(read_file(roots[0] + "/shared/.env"),
            "HOST_ONLY=kept\nJWT_SECRET_KEY=" + k_secret + "\n");
  EXPECT_EQ(fs::status(roots[0] + "/shared/.env").permissions() & fs::perms::all,
            fs::perms::owner_read | fs::perms::owner_write);
  EXPECT_EQ(bosun({"ready"}).code, 0) << "the app kept running under the new agents";
  // A host's .env that cannot be read is left alone, and says where it is broken.
  std::ofstream(roots[1] + "/shared/.env", std::ios::app) << "not a line\n";
  const BosunRun broken = bosun({"setup", "--json"});
  EXPECT_EQ(broken.code, 1) << broken.output;
  EXPECT_NE(
      broken.output.find(roots[1] + "/shared/.env on the host: .env line 2 is not NAME=value"),
      std::string::npos)
      << broken.output;
  const auto setup_hosts = json_of(broken.output)->getArray("hosts");
  EXPECT_EQ(setup_hosts->getObject(0)->getValue<int>("exit_code"), 0) << broken.output;
  EXPECT_EQ(setup_hosts->getObject(0)->getObject("gap")->getValue<std::string>("schema"),
            "bosun.report/1");
  EXPECT_TRUE(setup_hosts->getObject(0)->getObject("gap")->getValue<bool>("ok"));
  EXPECT_EQ(setup_hosts->getObject(1)->getValue<int>("exit_code"), 1);
  EXPECT_TRUE(setup_hosts->getObject(1)->isNull("gap"));
  EXPECT_NE(read_file(roots[1] + "/shared/.env").find("not a line"), std::string::npos);
  if (!fs::exists("/run/systemd/system")) {
    const BosunRun systemd = bosun({"setup", "--service", "systemd"});
    EXPECT_EQ(systemd.code, 1) << systemd.output;
    // The real reason, even as root: systemd is not PID 1 here.
    EXPECT_NE(systemd.output.find(
                  "--service systemd: systemd is not running on the host (PID 1 is not systemd)"),
              std::string::npos)
        << systemd.output;
  }
  EXPECT_EQ(outputs.find(k_secret), std::string::npos) << "the secret never shows";
}

// The users' own kind of services across a stage: programs from PATH reading their code from
// the release. Each host is asked which version it serves after every deploy; a bad commit
// fails and leaves every host on the good one; then an incident no rollback can fix (the
// app's dependency stops) is named by `bosun status`, which proposes no rollback.
TEST_F(FleetTest, InterpreterServicesServeTheDeployedVersionOnEveryHost) {
  SshFleet fleet(3);
  fleet.trust_all();
  InterpreterApp app;
  hosts_dir = work.path() + "/hosts";
  std::ostringstream yaml;
  yaml << "app: interp\nrepo: " << repo.path() << "\nroot: " << hosts_dir << "/${host}\n"
       << "stages:\n  test:\n    hosts: [";
  for (std::size_t i = 0; i < fleet.size(); ++i) {
    yaml << (i == 0 ? "" : ", ") << fleet.entry(i);
    roots.push_back(hosts_dir + "/" + fleet.address(i));
  }
  const std::string dependency = "127.0.0.1:" + std::to_string(redis->port());
  yaml << "]\nssh: {identity: " << fleet.identity() << ", known_hosts: " << fleet.known_hosts()
       << ", connect_timeout: 5s}\n"
       << "env:\n  DEPENDS_ON: '" << dependency << "'\n  REDIS_URL: " << redis->url()
       << "\n  DATABASE_URL: 'postgres://app:fleet-db-pw@" << dependency << "/app'\n"
       << app.services_yaml() << app.verify_yaml();
  const auto release = [&](const std::string& version, bool bad = false) {
    repo.write("app.yaml", yaml.str());
    app.write_version(repo, version, bad);
    return repo.commit_all(version);
  };
  const auto served_everywhere = [&](const std::string& version) {
    for (std::size_t i = 0; i < fleet.size(); ++i) {
      EXPECT_EQ(app.served_at(fleet.address(i)), InterpreterApp::all(version))
          << "host " << fleet.address(i);
    }
  };
  release("v1");
  ASSERT_EQ(bosun({"setup"}).code, 0);
  const BosunRun first = bosun({"deploy"});
  ASSERT_EQ(first.code, 0) << first.output;
  served_everywhere("v1");
  release("v2");
  const BosunRun second = bosun({"deploy"});
  ASSERT_EQ(second.code, 0) << second.output;
  served_everywhere("v2");
  release("v3", /*bad=*/true);
  const BosunRun bad = bosun({"deploy"});
  EXPECT_NE(bad.code, 0) << bad.output;
  EXPECT_NE(bad.output.find("rolled-back"), std::string::npos) << bad.output;
  served_everywhere("v2");

  redis->stop();  // the app's database, as far as its /health is concerned
  ASSERT_TRUE(wait_until(
      [&] {
        const BosunRun status = bosun({"status"}, seconds(60));
        return status.output.find("shared dependency down") != std::string::npos;
      },
      seconds(60)));
  const BosunRun incident = bosun({"status"});
  EXPECT_EQ(incident.code, 1) << incident.output;
  EXPECT_NE(incident.output.find("shared dependency down: DATABASE_URL (the postgres database at " +
                                 dependency + "): "),
            std::string::npos)
      << incident.output;
  EXPECT_NE(incident.output.find("a rollback cannot help"), std::string::npos) << incident.output;
  EXPECT_EQ(incident.output.find("bosun rollback -c"), std::string::npos) << incident.output;
  EXPECT_EQ(incident.output.find("fleet-db-pw"), std::string::npos) << incident.output;
  const BosunRun json = bosun({"status", "--json"});
  EXPECT_FALSE(json_of(json.output)->has("rollback_command")) << json.output;
}

}  // namespace
}  // namespace bosun::test::fleet
