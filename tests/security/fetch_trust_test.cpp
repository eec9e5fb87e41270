// Issue 16, item 16: a fetch checks whom it talks to explicitly. A TLS certificate libgit2
// finds invalid (here a real nginx on loopback with a self-signed one) is refused with a
// reason; an SSH URL is refused outright with a libgit2 that would accept any host key
// (CVE-2023-22742: before 1.4.5, and 1.5.0), and left to its known_hosts check otherwise:
// against a real sshd on loopback, a wrong or unknown host key fails the fetch and the right
// one lets it through.
#include <git2.h>
#include <signal.h>
#include <stdlib.h>

#include <filesystem>
#include <fstream>

#include <gtest/gtest.h>

#include "bosun/common/text_file.hpp"
#include "child_process.hpp"
#include "git_repo.hpp"
#include "release/fetch_trust.hpp"
#include "release/release_store.hpp"
#include "ssh_fleet.hpp"

namespace bosun::agent::release {
namespace {

TEST(FetchTrust, SshHostKeysAreCheckedFromTheFixedVersionsOn) {
  EXPECT_FALSE(libgit2_checks_ssh_host_keys(1, 1, 0));  // Ubuntu 22.04's
  EXPECT_FALSE(libgit2_checks_ssh_host_keys(1, 4, 4));
  EXPECT_TRUE(libgit2_checks_ssh_host_keys(1, 4, 5));
  EXPECT_FALSE(libgit2_checks_ssh_host_keys(1, 5, 0));
  EXPECT_TRUE(libgit2_checks_ssh_host_keys(1, 5, 1));  // Debian 12's
  EXPECT_TRUE(libgit2_checks_ssh_host_keys(1, 7, 2));
  EXPECT_FALSE(libgit2_checks_ssh_host_keys(0, 28, 0));
  EXPECT_NE(fetch_refusal("git@github.com:shop/app.git", 1, 1, 0), "");
  EXPECT_NE(fetch_refusal("ssh://git@host:2222/app.git", 1, 5, 0), "");
  EXPECT_EQ(fetch_refusal("git@github.com:shop/app.git", 1, 5, 1), "");
  EXPECT_EQ(fetch_refusal("https://github.com/shop/app.git", 1, 1, 0), "");
  EXPECT_EQ(fetch_refusal("/srv/git/app.git", 1, 1, 0), "");
  EXPECT_EQ(fetch_refusal("./app", 1, 1, 0), "");
}

TEST(FetchTrust, ASelfSignedCertificateIsRefusedWithTheReason) {
  test::TempDir dir;
  const std::string d = dir.path();
  const auto [made, output] = test::run_tool(
      {"openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", d + "/key.pem",
       "-out", d + "/cert.pem", "-days", "1", "-subj", "/CN=127.0.0.1"},
      d);
  ASSERT_EQ(made, 0) << output;
  const unsigned short port = test::free_port();
  std::ofstream(d + "/nginx.conf")
      << "daemon off;\npid " << d << "/nginx.pid;\nerror_log " << d
      << "/error.log;\nevents {}\nhttp {\n  access_log off;\n  server {\n    listen 127.0.0.1:"
      << port << " ssl;\n    ssl_certificate " << d << "/cert.pem;\n    ssl_certificate_key " << d
      << "/key.pem;\n    location / { return 404; }\n  }\n}\n";
  test::ChildProcess nginx(
      {{"/usr/sbin/nginx", "-p", d, "-c", d + "/nginx.conf"}, {}, d, d + "/nginx.out"});
  ASSERT_TRUE(test::wait_until(
      [&] {
        return test::run_tool({"bash", "-c", "exec 3<>/dev/tcp/127.0.0.1/" + std::to_string(port)},
                              d)
                   .first == 0;
      },
      std::chrono::milliseconds(10'000)))
      << nginx.output();
  ReleaseStore store(d + "/root", {BOSUN_AGENT_BIN});
  try {
    store.fetch("https://127.0.0.1:" + std::to_string(port) + "/app.git");
    ADD_FAILURE() << "fetched from a server with a self-signed certificate";
  } catch (const std::runtime_error& error) {
    EXPECT_NE(std::string(error.what()).find("the TLS certificate of 127.0.0.1 is not valid"),
              std::string::npos)
        << error.what();
  }
  nginx.signal(SIGQUIT);
  nginx.wait(std::chrono::milliseconds(10'000));
}

// HOME for the fetch child (libgit2 reads ~/.ssh/known_hosts), put back at scope end.
class HomeFor {
 public:
  explicit HomeFor(const std::string& home) {
    if (const char* old = std::getenv("HOME")) {
      m_old = old;
    }
    ::setenv("HOME", home.c_str(), 1);
  }
  ~HomeFor() { ::setenv("HOME", m_old.c_str(), 1); }

 private:
  std::string m_old = "/root";
};

TEST(FetchTrust, AnSshRemotesHostKeyIsCheckedAgainstKnownHosts) {
  int major = 0;
  int minor = 0;
  int revision = 0;
  git_libgit2_version(&major, &minor, &revision);
  if (!libgit2_checks_ssh_host_keys(major, minor, revision)) {
    GTEST_SKIP() << "this libgit2 (" << major << "." << minor << "." << revision
                 << ") has no host key check: SSH fetches are refused outright";
  }
  test::SshFleet fleet(1);
  test::TempDir dir;
  test::GitRepo repo{dir.path() + "/app"};
  repo.write("VERSION", "v1\n");
  const std::string sha = repo.commit_all("v1");
  const std::string home = dir.path() + "/home";
  std::filesystem::create_directories(home + "/.ssh");
  const HomeFor scoped(home);
  const std::string url = "ssh://" + fleet.entry(0) + repo.path();
  const FetchCredentials key{fleet.identity(), "", ""};
  const auto fetch_with = [&](const std::string& known_hosts, const std::string& root) {
    std::ofstream(home + "/.ssh/known_hosts") << known_hosts;
    ReleaseStore store(dir.path() + "/" + root, {BOSUN_AGENT_BIN});
    try {
      store.fetch(url, key);
      return "fetched " + store.resolve(sha);
    } catch (const std::runtime_error& error) {
      return std::string(error.what());
    }
  };
  const auto known_hosts = [&](bool right) {
    std::ofstream(fleet.known_hosts()).close();
    right ? fleet.trust_all() : fleet.trust_wrong_key(0);
    return read_text_file(fleet.known_hosts()).value_or("");
  };
  const std::string unknown = fetch_with("", "unknown");
  EXPECT_NE(unknown.find("cannot fetch " + url + ": invalid or unknown remote ssh hostkey"),
            std::string::npos)
      << unknown;
  const std::string wrong = fetch_with(known_hosts(false), "wrong");
  EXPECT_NE(wrong.find("cannot fetch " + url + ": invalid or unknown remote ssh hostkey"),
            std::string::npos)
      << wrong;
  EXPECT_EQ(fetch_with(known_hosts(true), "right"), "fetched " + sha);
}

}  // namespace
}  // namespace bosun::agent::release
