// Host checks against real things: fake tool binaries on a PATH, a socket this test holds,
// the real disk and memory, os-release files written here.

#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include <gtest/gtest.h>

#include "bosun/checks/host_checks.hpp"
#include "bosun/checks/requirements.hpp"
#include "bosun/manifest/loader.hpp"
#include "child_process.hpp"

namespace bosun::checks {
namespace {

VersionConstraint constraint(const char* text) {
  return VersionConstraint::parse(text).value();
}

class FakeTools : public ::testing::Test {
 protected:
  void tool(const std::string& name, const std::string& script) {
    const std::string path = dir.path() + "/" + name;
    std::ofstream(path) << "#!/bin/sh\n" << script << "\n";
    std::filesystem::permissions(path, std::filesystem::perms::owner_all);
  }
  std::map<std::string, std::string> env() const {
    return {{"PATH", dir.path() + ":/usr/bin:/bin"}};
  }
  test::TempDir dir;
};

TEST_F(FakeTools, ComparesTheVersionATool_prints) {
  tool("fake-redis", "echo 'Redis server v=7.0.15 sha=00000000:0 malloc=jemalloc-5.3.0'");
  const auto ok = check_tool_version("fake-redis", constraint(">=7.0"), env());
  EXPECT_TRUE(ok.passed()) << ok.evidence;
  EXPECT_EQ(ok.evidence, "fake-redis 7.0.15");
  const auto old = check_tool_version("fake-redis", constraint(">=7.2"), env());
  EXPECT_EQ(old.status, Status::fail);
  EXPECT_EQ(old.evidence, "fake-redis 7.0.15 does not satisfy >=7.2");
  EXPECT_EQ(old.action, "install fake-redis >=7.2");
}

TEST_F(FakeTools, MissingAndSilentTools) {
  const auto missing = check_tool_version("no-such-tool-anywhere", constraint(">=1"), env());
  EXPECT_EQ(missing.status, Status::fail);
  EXPECT_NE(missing.evidence.find("not installed"), std::string::npos);
  tool("mute", "echo 'no numbers here'");
  EXPECT_EQ(check_tool_version("mute", constraint(">=1"), env()).status, Status::warn);
  tool("only-v", "[ \"$1\" = -v ] && echo 'only-v 3.1' || exit 1");
  EXPECT_TRUE(check_tool_version("only-v", constraint("^3"), env()).passed());
}

TEST(EnvChecks, JudgeWithoutRevealingTheValue) {
  const std::map<std::string, std::string> env{{"GOOD", "s3cr3t-value-0123456789abcdef0123"},
                                               {"EMPTY", ""},
                                               {"PLACEHOLDER", "your-secret-here"},
                                               {"ANGLE", "<jwt secret>"},
                                               {"SHORT", "abc"}};
  const auto good = check_env_var("GOOD", env, 32);
  EXPECT_TRUE(good.passed()) << good.evidence;
  EXPECT_EQ(good.evidence.find("s3cr3t"), std::string::npos);
  EXPECT_NE(good.evidence.find("length 33"), std::string::npos);
  EXPECT_EQ(check_env_var("MISSING", env).evidence, "MISSING is not set");
  EXPECT_EQ(check_env_var("EMPTY", env).status, Status::fail);
  EXPECT_NE(check_env_var("PLACEHOLDER", env).evidence.find("placeholder"), std::string::npos);
  EXPECT_NE(check_env_var("ANGLE", env).evidence.find("placeholder"), std::string::npos);
  const auto short_value = check_env_var("SHORT", env, 32);
  EXPECT_EQ(short_value.status, Status::fail);
  EXPECT_EQ(short_value.evidence.find("abc"), std::string::npos);
}

TEST(EnvChecks, FingerprintsCompareWithoutLeaking) {
  EXPECT_EQ(fingerprint("same", "K"), fingerprint("same", "K"));
  EXPECT_NE(fingerprint("same", "K"), fingerprint("other", "K"));
  EXPECT_NE(fingerprint("same", "K"), fingerprint("same", "L"));  // salted per variable
  EXPECT_EQ(fingerprint("x", "K").size(), std::string("sha256:").size() + 8);
}

TEST(PortChecks, NamesTheProcessHoldingAPort) {
  const unsigned short port = test::free_port();
  EXPECT_TRUE(check_port_free(port).passed());
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  address.sin_port = htons(port);
  ASSERT_EQ(::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address), 0);
  ASSERT_EQ(::listen(fd, 4), 0);
  const auto holder = port_holder(port);
  ASSERT_TRUE(holder.has_value());
  EXPECT_EQ(holder->pid, ::getpid());
  const auto taken = check_port_free(port);
  EXPECT_EQ(taken.status, Status::fail);
  EXPECT_NE(taken.evidence.find("pid " + std::to_string(::getpid())), std::string::npos)
      << taken.evidence;
  // The app's own service holding its port is not a gap.
  EXPECT_TRUE(check_port_free(port, {::getpid()}).passed());
  ::close(fd);
  EXPECT_TRUE(check_port_free(port).passed());
}

TEST(ResourceChecks, DiskMemoryAndFiles) {
  test::TempDir dir;
  EXPECT_TRUE(check_disk_free(dir.path() + "/not/yet/created", 1).passed());
  const auto full = check_disk_free(dir.path(), 1ULL << 50);
  EXPECT_EQ(full.status, Status::fail);
  EXPECT_NE(full.evidence.find("needs 1024TiB"), std::string::npos) << full.evidence;
  EXPECT_TRUE(check_memory(1).passed());
  EXPECT_EQ(check_memory(1ULL << 60).status, Status::fail);
  EXPECT_TRUE(check_file_exists(dir.path()).passed());
  EXPECT_EQ(check_file_exists(dir.path() + "/nope").status, Status::fail);
}

// A self-signed certificate made here with openssl, valid for `days`.
std::string make_certificate(const std::string& dir, int days) {
  const std::string pem = dir + "/cert-" + std::to_string(days) + ".pem";
  test::ChildProcess openssl(
      {{"openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-subj", "/CN=bosun-test",
        "-days", std::to_string(days), "-keyout", dir + "/key.pem", "-out", pem},
       {},
       dir,
       dir + "/openssl.log"});
  openssl.wait(std::chrono::seconds(30));
  return pem;
}

TEST(FileChecks, ModeAndOwner) {
  test::TempDir dir;
  const std::string env = dir.path() + "/.env";
  std::ofstream(env) << "SECRET=1\n";
  ::chmod(env.c_str(), 0644);
  const auto loose = check_file(env, 0600, "");
  EXPECT_EQ(loose.status, Status::fail);
  EXPECT_NE(loose.evidence.find("mode 0644"), std::string::npos) << loose.evidence;
  EXPECT_EQ(loose.action, "chmod 0600 " + env);
  ::chmod(env.c_str(), 0600);
  EXPECT_TRUE(check_file(env, 0600, "").passed());
  const auto stranger = check_file(env, std::nullopt, "no-such-user-here");
  EXPECT_EQ(stranger.status, Status::fail);
  EXPECT_EQ(stranger.action, "chown no-such-user-here " + env);
  EXPECT_EQ(check_file(dir.path() + "/missing", std::nullopt, "").status, Status::fail);
  // From the manifest: a path, or {path, mode, owner}; a bad mode is an error at its place.
  const auto loaded = manifest::parse_manifest(
      "app: a\nrepo: r\nservices: {w: {command: [x]}}\nrequires:\n  files: [/etc/hostname, "
      "{path: " +
          env + ", mode: '0600'}]\n",
      "a.yaml");
  ASSERT_TRUE(loaded.ok());
  const auto rows = check_requirements(loaded.manifest->requires_, {});
  ASSERT_EQ(rows.size(), 2U);
  EXPECT_EQ(rows[1].required, "mode 0600");
  EXPECT_TRUE(rows[1].result.passed()) << rows[1].result.evidence;
  const auto bad = manifest::parse_manifest(
      "app: a\nrepo: r\nservices: {w: {command: [x]}}\nrequires:\n  files: [{path: /x, mode: "
      "0999}]\n",
      "a.yaml");
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(manifest::format_diagnostics(bad.diagnostics).find("a.yaml:5:"), std::string::npos);
}

TEST(CertificateChecks, DaysToExpiry) {
  test::TempDir dir;
  const auto good = check_certificate_file(make_certificate(dir.path(), 90));
  EXPECT_TRUE(good.passed()) << good.evidence;
  // 90 days from when openssl ran, seen a moment later: 89 or 90 depending on rounding.
  EXPECT_TRUE(good.evidence.find("expires in 89 day(s)") != std::string::npos ||
              good.evidence.find("expires in 90 day(s)") != std::string::npos)
      << good.evidence;
  const auto soon = check_certificate_file(make_certificate(dir.path(), 5));
  EXPECT_EQ(soon.status, Status::warn) << soon.evidence;
  EXPECT_EQ(check_certificate_file(dir.path() + "/missing.pem").status, Status::fail);
  std::ofstream(dir.path() + "/junk.pem") << "not a certificate";
  EXPECT_NE(check_certificate_file(dir.path() + "/junk.pem").evidence.find("no PEM certificate"),
            std::string::npos);
}

TEST(LoadChecks, ThresholdsPerCore) {
  test::TempDir dir;
  const std::string file = dir.path() + "/loadavg";
  const long cores = ::sysconf(_SC_NPROCESSORS_ONLN);
  const auto write = [&](double five) {
    std::ofstream(file) << "0.10 " << five << " 0.05 1/100 12345\n";
  };
  write(0.1 * static_cast<double>(cores));
  EXPECT_TRUE(check_load(1.0, 2.0, file).passed());
  write(1.5 * static_cast<double>(cores));
  EXPECT_EQ(check_load(1.0, 2.0, file).status, Status::warn);
  write(3.0 * static_cast<double>(cores));
  const auto busy = check_load(1.0, 2.0, file);
  EXPECT_EQ(busy.status, Status::fail);
  EXPECT_NE(busy.evidence.find("per core"), std::string::npos);
  EXPECT_TRUE(check_load().status != Status::fail ||
              check_load().evidence.find("load") != std::string::npos);
}

TEST(LogChecks, CountsErrorsInTheNewestLines) {
  test::TempDir dir;
  const std::string log = dir.path() + "/server.log";
  {
    std::ofstream out(log);
    out << "ERROR old failure before the window\n";
    for (int i = 0; i < 600; ++i) {
      out << "INFO request " << i << "\n";
    }
  }
  EXPECT_TRUE(check_log_errors(log, {"ERROR", "Exception"}, 500).passed());
  std::ofstream(log, std::ios::app) << "ERROR database is locked\nTraceback: Exception in worker\n";
  const auto some = check_log_errors(log, {"ERROR", "Exception"}, 500, 5);
  EXPECT_EQ(some.status, Status::warn);
  EXPECT_NE(some.evidence.find("2 line(s)"), std::string::npos) << some.evidence;
  EXPECT_NE(some.evidence.find("Exception in worker"), std::string::npos) << some.evidence;
  EXPECT_EQ(check_log_errors(log, {"ERROR", "Exception"}, 500, 2).status, Status::fail);
  EXPECT_EQ(check_log_errors(dir.path() + "/none.log", {"ERROR"}).status, Status::warn);
}

TEST(OsChecks, ReadsOsRelease) {
  test::TempDir dir;
  const std::string file = dir.path() + "/os-release";
  std::ofstream(file)
      << "PRETTY_NAME=\"Ubuntu 22.04.4 LTS\"\nNAME=\"Ubuntu\"\nVERSION_ID=\"22.04\"\nID=ubuntu\n";
  const auto os = read_os_release(file);
  ASSERT_TRUE(os.has_value());
  EXPECT_EQ(os->id, "ubuntu");
  EXPECT_EQ(os->version, "22.04");
  EXPECT_TRUE(
      check_os({"ubuntu", "debian"}, VersionConstraint::parse(">=22.04").value(), file).passed());
  EXPECT_EQ(check_os({"debian"}, std::nullopt, file).status, Status::fail);
  const auto old = check_os({}, VersionConstraint::parse(">=24.04").value(), file);
  EXPECT_EQ(old.status, Status::fail);
  EXPECT_EQ(old.evidence, "Ubuntu 22.04.4 LTS (needs version >=24.04)");
  EXPECT_EQ(check_os({}, std::nullopt, dir.path() + "/missing").status, Status::fail);
}

TEST_F(FakeTools, RequirementsBecomeGapRows) {
  tool("fake-redis", "echo 'Redis server v=6.2.1'");
  std::ofstream(dir.path() + "/os-release")
      << "ID=debian\nVERSION_ID=\"12\"\nPRETTY_NAME=\"Debian 12\"\n";
  const auto loaded = manifest::parse_manifest(
      "app: a\nrepo: r\nservices: {w: {command: [x]}}\nrequires:\n"
      "  tools: {fake-redis: \">=7.0\"}\n  env: [JWT_SECRET_KEY, DATABASE_URL]\n  disk_free: 1MiB\n"
      "  memory: 1MiB\n  os: {id: ubuntu}\n",
      "app.yaml");
  ASSERT_TRUE(loaded.ok());
  RequirementInputs inputs;
  inputs.env = env();
  inputs.env["DATABASE_URL"] = "sqlite:///x.db";
  inputs.disk_path = dir.path();
  inputs.os_release_path = dir.path() + "/os-release";
  const auto rows = check_requirements(loaded.manifest->requires_, inputs);
  ASSERT_EQ(rows.size(), 6U);
  EXPECT_EQ(rows[0].requirement, "tool fake-redis");
  EXPECT_EQ(rows[0].result.status, Status::fail);
  EXPECT_EQ(rows[1].requirement, "env JWT_SECRET_KEY");
  EXPECT_EQ(rows[1].result.status, Status::fail);
  EXPECT_TRUE(rows[2].result.passed());
  EXPECT_TRUE(rows[3].result.passed());  // disk
  EXPECT_TRUE(rows[4].result.passed());  // memory
  EXPECT_EQ(rows[5].requirement, "os");
  EXPECT_FALSE(rows[5].blocking);
  EXPECT_FALSE(requirements_met(rows));
  inputs.env["JWT_SECRET_KEY"] = "0123456789abcdef0123456789abcdef";
  tool("fake-redis", "echo 'Redis server v=7.0.15'");
  EXPECT_TRUE(requirements_met(
      check_requirements(loaded.manifest->requires_, inputs)));  // os is only a warning
}

}  // namespace
}  // namespace bosun::checks
