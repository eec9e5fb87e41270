// The controller's connections against the loopback fleet: jump hosts, ssh_config aliases,
// keys from the ssh-agent, Ctrl-C in the middle of a stage, and an sshd that dies mid-deploy.

#include "fleet_fixture.hpp"

namespace bosun::test::fleet {
namespace {

TEST_F(FleetTest, AHostBehindAJumpHostIsReachedThroughIt) {
  SshFleet fleet(2);
  make_project(fleet);
  fleet.trust_all();
  // A stage whose one host is reached through the other (the jump host).
  std::string yaml = read_file(repo.path() + "/app.yaml");
  yaml = std::regex_replace(yaml, std::regex("stages:\n"),
                            "stages:\n  behind:\n    hosts: [" + fleet.entry(1) +
                                "]\n    ssh: {proxy_jump: '" + fleet.entry(0) + "'}\n");
  repo.write("app.yaml", yaml);
  commit("1");
  const BosunRun setup = bosun({"setup", "-d", "behind"});
  ASSERT_EQ(setup.code, 0) << setup.output;
  const BosunRun deploy = bosun({"deploy", "-d", "behind"});
  EXPECT_EQ(deploy.code, 0) << deploy.output;
  // Without the jump host the host is out of reach: the connection really went through it.
  fleet.kill(0);
  const BosunRun cut_off = bosun({"lock", "status", "-d", "behind"});
  EXPECT_NE(cut_off.code, 0) << cut_off.output;
  EXPECT_NE(cut_off.output.find("cannot connect to"), std::string::npos) << cut_off.output;
  // Status says so, and does not offer a rollback that could not reach the host either.
  const BosunRun status = bosun({"status", "-d", "behind"});
  EXPECT_EQ(status.code, 1) << status.output;
  EXPECT_NE(status.output.find("unreachable: " + fleet.entry(1) + ". Check that the machine"),
            std::string::npos)
      << status.output;
  EXPECT_EQ(status.output.find("bosun rollback"), std::string::npos) << status.output;
}

TEST_F(FleetTest, AnSshConfigFileGivesAliasesTheirAddressPortUserKeyAndJumpHost) {
  SshFleet fleet(2);
  make_project(fleet);
  fleet.trust_all();
  // The stage names aliases; address, port, user, key, known_hosts and the jump host come from
  // an OpenSSH config file, as they would from ~/.ssh/config.
  const std::string config = work.path() + "/ssh_config";
  const std::string user = fleet.entry(0).substr(0, fleet.entry(0).find('@'));
  const std::vector<std::string> aliases{"web-a", "web-b"};
  {
    std::ofstream out(config);
    for (std::size_t i = 0; i < fleet.size(); ++i) {
      out << "Host " << aliases[i] << "\n  HostName " << fleet.address(i) << "\n  Port "
          << fleet.port(i) << "\n  User " << user << "\n  IdentityFile " << fleet.identity()
          << "\n  UserKnownHostsFile " << fleet.known_hosts() << "\n  StrictHostKeyChecking yes\n"
          << (i == 1 ? "  ProxyJump " + aliases[0] + "\n" : "");
    }
  }
  std::string yaml = read_file(repo.path() + "/app.yaml");
  yaml = std::regex_replace(yaml, std::regex("hosts: \\[[^\\]]*\\]"),
                            "hosts: [" + aliases[0] + ", " + aliases[1] + "]");
  yaml = std::regex_replace(yaml, std::regex("\nssh: \\{[^}]*\\}"),
                            "\nssh: {config: " + config + ", connect_timeout: 5s}");
  repo.write("app.yaml", yaml);
  commit("1");
  // The jump itself is OpenSSH's `ssh -W`: it gets `-F` with the same file (without it, it
  // would read the account's ~/.ssh, which knows neither the key nor the host keys here).
  const BosunRun setup = bosun({"setup"});
  ASSERT_EQ(setup.code, 0) << setup.output << "\n" << yaml;
  // ${host} is the address an alias stands for: the roots are per address, and the servers
  // bind to it and are verified there over HTTP.
  for (const std::string& root : roots) {
    EXPECT_TRUE(fs::exists(root + "/bin/bosun-agent")) << root;
  }
  const BosunRun deploy = bosun({"deploy"});
  EXPECT_EQ(deploy.code, 0) << deploy.output;
  EXPECT_NE(deploy.output.find("web-b "), std::string::npos) << deploy.output;
  // The second host is reached through the first: with the first's sshd gone, it is not.
  fleet.kill(0);
  const BosunRun cut_off = bosun({"lock", "status", "--hosts", aliases[1]}, seconds(60));
  EXPECT_NE(cut_off.code, 0) << cut_off.output;
  EXPECT_NE(cut_off.output.find("cannot connect to"), std::string::npos) << cut_off.output;
}

TEST_F(FleetTest, WithoutAnIdentityTheKeyComesFromTheSshAgent) {
  SshFleet fleet(1);
  make_project(fleet);
  fleet.trust_all();
  std::string yaml = read_file(repo.path() + "/app.yaml");
  yaml = std::regex_replace(yaml, std::regex("identity: [^,]*, "), "");
  repo.write("app.yaml", yaml);
  commit("1");
  // No key file named, none in the home directory: without an agent, no way in.
  const BosunRun no_agent = bosun({"lock", "status"}, seconds(60));
  EXPECT_NE(no_agent.code, 0) << no_agent.output;
  EXPECT_NE(no_agent.output.find("cannot log in"), std::string::npos) << no_agent.output;
  EXPECT_NE(no_agent.output.find("ssh-agent"), std::string::npos) << no_agent.output;
  // A real ssh-agent holding the key.
  const std::string socket = work.path() + "/agent.sock";
  ChildProcess agent({{"ssh-agent", "-D", "-a", socket}, {}, work.path(), ""});
  ASSERT_TRUE(wait_until([&] { return fs::exists(socket); }, seconds(10)));
  ChildProcess add({{"ssh-add", fleet.identity()}, {"SSH_AUTH_SOCK=" + socket}, work.path(), ""});
  const auto added = add.wait(seconds(10));
  ASSERT_TRUE(added && WIFEXITED(*added) && WEXITSTATUS(*added) == 0);
  // Logged in, and told what is missing there.
  const BosunRun before_setup = bosun({"lock", "status"}, seconds(60), {"SSH_AUTH_SOCK=" + socket});
  EXPECT_NE(before_setup.code, 0) << before_setup.output;
  EXPECT_NE(before_setup.output.find("no bosun-agent on the host (run `bosun setup` first)"),
            std::string::npos)
      << before_setup.output;
  const BosunRun setup = bosun({"setup"}, seconds(180), {"SSH_AUTH_SOCK=" + socket});
  ASSERT_EQ(setup.code, 0) << setup.output;
  const BosunRun with_agent = bosun({"lock", "status"}, seconds(60), {"SSH_AUTH_SOCK=" + socket});
  EXPECT_EQ(with_agent.code, 0) << with_agent.output;
  EXPECT_NE(with_agent.output.find("unlocked"), std::string::npos) << with_agent.output;
}

TEST_F(FleetTest, CtrlCStopsSchedulingLetsTheHostInFlightFinishAndReleasesLocks) {
  SshFleet fleet(3);
  make_project(fleet);
  fleet.trust_all();
  commit("1");
  setup_ok();
  ASSERT_EQ(bosun({"deploy"}).code, 0);
  std::string yaml = read_file(repo.path() + "/app.yaml");
  yaml = std::regex_replace(yaml, std::regex("bin/'\\}"), "bin/ && sleep 2'}");
  repo.write("app.yaml", yaml);
  const std::string v2 = commit("2");
  ChildProcess controller({{BOSUN_BIN, "deploy"},
                           {"HOME=" + work.path() + "/home", "BOSUN_WHO=tester@ci"},
                           repo.path(),
                           work.path() + "/interrupted.out"});
  ASSERT_TRUE(wait_until(
      [&] {
        return controller.output().find(": build ") != std::string::npos ||
               controller.output().find(": checkout ") != std::string::npos;
      },
      seconds(60)))
      << controller.output();
  controller.signal(SIGINT);
  const auto status = controller.wait(seconds(120));
  ASSERT_TRUE(status.has_value());
  EXPECT_EQ(WEXITSTATUS(*status), 1) << controller.output();
  const std::string output = controller.output();
  EXPECT_TRUE(std::regex_search(output, std::regex(fleet.entry(0) + " .* succeeded"))) << output;
  for (std::size_t i = 1; i < fleet.size(); ++i) {
    EXPECT_TRUE(std::regex_search(output, std::regex(fleet.entry(i) + " .* skipped .*Ctrl-C")))
        << output;
  }
  EXPECT_NE(output.find("interrupted"), std::string::npos) << output;
  const BosunRun locks = bosun({"lock", "status"});
  EXPECT_EQ(locks.output.find("locked:"), std::string::npos)
      << "locks given back: " << locks.output;
  (void)v2;
}

TEST_F(FleetTest, AHostWhoseSshdDiesMidDeployEndsConsistent) {
  SshFleet fleet(3);
  make_project(fleet);
  fleet.trust_all();
  const std::string v1 = commit("1");
  setup_ok();
  ASSERT_EQ(bosun({"deploy"}).code, 0);
  // v2 builds slowly, so the canary's sshd can die in the middle of its deploy.
  std::string yaml = read_file(repo.path() + "/app.yaml");
  yaml = std::regex_replace(yaml, std::regex("bin/'\\}"), "bin/ && sleep 2'}");
  repo.write("app.yaml", yaml);
  const std::string v2 = commit("2");
  ChildProcess controller({{BOSUN_BIN, "deploy", "--json"},
                           {"HOME=" + work.path() + "/home", "BOSUN_WHO=tester@ci"},
                           repo.path(),
                           work.path() + "/controller.out"});
  ASSERT_TRUE(wait_until(
      [&] { return controller.output().find("\"step\":\"build\"") != std::string::npos; },
      seconds(60)))
      << controller.output();
  fleet.kill(0);
  const auto status = controller.wait(seconds(120));
  ASSERT_TRUE(status.has_value());
  EXPECT_EQ(WEXITSTATUS(*status), 1) << controller.output();
  const std::string output = controller.output();
  // The connection dropped (or its command was killed with it, whichever died first).
  EXPECT_TRUE(output.find("lost the connection") != std::string::npos ||
              output.find("Killed") != std::string::npos)
      << output;
  EXPECT_NE(output.find("not started: the stage stopped"), std::string::npos) << output;
  // The canary's agent finished the deploy by itself: one live release, verified good.
  ASSERT_TRUE(wait_until(
      [&] {
        ChildProcess releases({{BOSUN_AGENT_BIN, "history", "--root", roots[0], "-n", "1"},
                               {},
                               roots[0],
                               work.path() + "/history.out"});
        releases.wait(seconds(20));
        return releases.output().find("succeeded") != std::string::npos;
      },
      seconds(60)))
      << read_file(work.path() + "/history.out") << "\nagent log:\n"
      << read_file(roots[0] + "/agent.log");
  ChildProcess releases({{BOSUN_AGENT_BIN, "releases", "--root", roots[0]},
                         {},
                         roots[0],
                         work.path() + "/releases.out"});
  releases.wait(seconds(20));
  EXPECT_TRUE(
      std::regex_search(releases.output(), std::regex(v2.substr(0, 12) + " +good +[0-9-]+ +\\*")))
      << releases.output();
  // The others were never touched; status shows the drift and how to fix it.
  fleet.start(0);
  const BosunRun drift = bosun({"status"});
  EXPECT_EQ(drift.code, 1) << drift.output;
  EXPECT_NE(drift.output.find("version drift"), std::string::npos) << drift.output;
  const BosunRun again = bosun({"deploy"});
  EXPECT_EQ(again.code, 0) << again.output;
  EXPECT_EQ(bosun({"status"}).code, 0);
  (void)v1;
}

}  // namespace
}  // namespace bosun::test::fleet
