// Issue 16, item 16: a fetch checks whom it talks to explicitly. A TLS certificate libgit2
// finds invalid (here a real nginx on loopback with a self-signed one) is refused with a
// reason; an SSH URL is refused outright with a libgit2 that would accept any host key
// (CVE-2023-22742: before 1.4.5, and 1.5.0), and left to its known_hosts check otherwise.
#include <signal.h>

#include <filesystem>
#include <fstream>

#include <gtest/gtest.h>

#include "child_process.hpp"
#include "release/fetch_trust.hpp"
#include "release/release_store.hpp"

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

}  // namespace
}  // namespace bosun::agent::release
