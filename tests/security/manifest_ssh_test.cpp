// Issue 16, item 4: the SSH files a committed manifest names. One inside the project comes with
// the repository: without --trust-manifest-ssh it is refused, saying what to do; and a config
// from the repository never runs a command on the laptop (a ProxyCommand ran during a plain
// `bosun status`), trusted or not. The user's own --ssh-config wins over it.
#include <filesystem>
#include <fstream>
#include <sstream>

#include <gtest/gtest.h>

#include "bosun/controller/bosun_cli.hpp"
#include "child_process.hpp"
#include "host/manifest_ssh_files.hpp"

namespace bosun::controller::host {
namespace {

namespace fs = std::filesystem;

TEST(ManifestSsh, TheDirectivesThatRunACommandAreFound) {
  EXPECT_EQ(command_directive_in("Host a\n  HostName 10.0.0.1\n  ProxyCommand nc %h %p\n"),
            "3:   ProxyCommand nc %h %p");
  EXPECT_TRUE(command_directive_in("proxycommand=sh -c x\n").has_value());
  EXPECT_TRUE(command_directive_in("Host a\n  LocalCommand id\n").has_value());
  EXPECT_TRUE(command_directive_in("KnownHostsCommand /bin/x %H\n").has_value());
  EXPECT_TRUE(command_directive_in("Match exec \"test -f /x\"\n  User a\n").has_value());
  EXPECT_FALSE(command_directive_in("Host a\n  ProxyJump b\n  User c\n  Port 22\n").has_value());
}

TEST(ManifestSsh, OnlyTheRepositorysFilesNeedTrustAndItsConfigNeverRunsACommand) {
  test::TempDir dir;
  const std::string project = dir.path() + "/project";
  fs::create_directories(project + "/deploy");
  std::ofstream(project + "/deploy/ssh_config") << "Host a\n  ProxyJump b\n";
  std::ofstream(project + "/deploy/evil_config") << "Host *\n  ProxyCommand touch /tmp/x\n";
  std::ofstream(dir.path() + "/mine") << "Host *\n  ProxyCommand nc %h %p\n";
  EXPECT_NE(manifest_ssh_file_refusal("ssh.config", "deploy/ssh_config", project, false), "");
  EXPECT_NE(manifest_ssh_file_refusal("ssh.known_hosts", project + "/known_hosts", project, false),
            "");
  EXPECT_EQ(manifest_ssh_file_refusal("ssh.config", "deploy/ssh_config", project, true), "");
  EXPECT_EQ(manifest_ssh_file_refusal("ssh.known_hosts", "known_hosts", project, true), "");
  EXPECT_EQ(manifest_ssh_file_refusal("ssh.config", "deploy/evil_config", project, true),
            "ssh.config deploy/evil_config line 2:   ProxyCommand touch /tmp/x: a config file from "
            "the repository never runs a command on this machine, trusted or not; move that line "
            "to your own ~/.ssh/config");
  // Outside the project: the machine's own file (the user put it there).
  EXPECT_EQ(manifest_ssh_file_refusal("ssh.config", dir.path() + "/mine", project, false), "");
  EXPECT_EQ(manifest_ssh_file_refusal("ssh.config", "../mine", project, false), "");
  EXPECT_EQ(manifest_ssh_file_refusal("ssh.config", "", project, false), "");
}

// The whole controller: `bosun status` with a committed ProxyCommand neither runs it nor
// connects; the user's own --ssh-config is used instead of the manifest's.
TEST(ManifestSsh, StatusRefusesACommittedProxyCommandBeforeConnecting) {
  test::TempDir dir;
  const std::string marker = dir.path() + "/proxy-command-ran";
  std::ofstream(dir.path() + "/ssh_config") << "Host *\n  ProxyCommand touch " << marker << "\n";
  std::ofstream(dir.path() + "/app.yaml")
      << "app: shop\nrepo: /tmp/shop.git\nssh: {config: ssh_config, connect_timeout: 2s}\n"
         "stages:\n  production: {hosts: [127.0.0.1:1]}\nservices:\n  web: {command: [web]}\n";
  for (const bool trusted : {false, true}) {
    std::vector<std::string> args{"status", "-c", dir.path() + "/app.yaml"};
    if (trusted) {
      args.emplace_back("--trust-manifest-ssh");
    }
    std::ostringstream out;
    std::ostringstream err;
    EXPECT_NE(run_bosun(args, out, err), 0);
    EXPECT_NE(err.str().find(trusted ? "never runs a command" : "--trust-manifest-ssh"),
              std::string::npos)
        << err.str();
    EXPECT_FALSE(fs::exists(marker)) << "the repository's ProxyCommand ran";
  }
  std::ofstream(dir.path() + "/mine");  // the user's own, empty: nothing to refuse
  std::ostringstream out;
  std::ostringstream err;
  run_bosun({"status", "-c", dir.path() + "/app.yaml", "--ssh-config", dir.path() + "/mine"}, out,
            err);
  EXPECT_EQ(err.str().find("--trust-manifest-ssh"), std::string::npos) << err.str();
  EXPECT_FALSE(fs::exists(marker));
}

}  // namespace
}  // namespace bosun::controller::host
