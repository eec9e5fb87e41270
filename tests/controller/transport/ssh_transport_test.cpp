// SshTransport::upload against a real loopback sshd: SFTP with sshd's internal-sftp and with
// OpenSSH's sftp-server program, and the streamed fallback on hosts that offer no SFTP.

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>

#include <gtest/gtest.h>

#include "child_process.hpp"
#include "controller_namespaces.hpp"
#include "ssh_fleet.hpp"
#include "transport/ssh_transport.hpp"

namespace bosun::test {
namespace {

namespace fs = std::filesystem;
using controller::SshSettings;
using controller::SshTransport;

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

// Bytes of every value, NULs included, and a length that is no multiple of any chunk size.
std::string random_bytes(std::size_t size) {
  std::mt19937 generator(42);
  std::uniform_int_distribution<int> byte(0, 255);
  std::string bytes(size, '\0');
  for (char& c : bytes) {
    c = static_cast<char>(byte(generator));
  }
  return bytes;
}

unsigned mode_of(const std::string& path) {
  struct stat info {};
  ::stat(path.c_str(), &info);
  return info.st_mode & 07777U;
}

struct SftpSetup {
  std::string name;
  std::string sshd_config;
};

void PrintTo(const SftpSetup& setup, std::ostream* out) {
  *out << setup.name;
}

class SshUploadTest : public ::testing::TestWithParam<SftpSetup> {
 protected:
  SshUploadTest() : fleet(1, GetParam().sshd_config) {
    fleet.trust_all();
    SshSettings settings;
    settings.host = fleet.address(0);
    settings.port = fleet.port(0);
    settings.identity = fleet.identity();
    settings.known_hosts = fleet.known_hosts();
    settings.config_file = "/dev/null";
    settings.connect_timeout = std::chrono::milliseconds(5'000);
    transport = std::make_unique<SshTransport>(settings);
  }

  SshFleet fleet;
  TempDir work;
  std::unique_ptr<SshTransport> transport;
};

TEST_P(SshUploadTest, WritesTheExactBytesWithTheirModeCreatingParents) {
  const std::string content = random_bytes(3 * 1024 * 1024 + 123);
  const std::string path = work.path() + "/new/nested/bin/tool";
  transport->upload(content, path, 0750);
  EXPECT_EQ(read_file(path), content);
  EXPECT_EQ(mode_of(path), 0750U);
  EXPECT_EQ(mode_of(work.path() + "/new/nested"), 0700U);
  EXPECT_FALSE(fs::exists(path + ".bosun-upload"));
  // Small and empty files too, over the same connection.
  transport->upload("KEY=value\n", work.path() + "/new/.env", 0600);
  EXPECT_EQ(read_file(work.path() + "/new/.env"), "KEY=value\n");
  EXPECT_EQ(mode_of(work.path() + "/new/.env"), 0600U);
  transport->upload("", work.path() + "/new/empty", 0644);
  EXPECT_TRUE(fs::exists(work.path() + "/new/empty"));
  EXPECT_EQ(fs::file_size(work.path() + "/new/empty"), 0U);
}

TEST_P(SshUploadTest, ReplacesAFileInUseWithoutTouchingWhatItsReaderSees) {
  const std::string path = work.path() + "/bosun-agent";
  std::ofstream(path) << "old binary";
  const int reader = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  ASSERT_GE(reader, 0);
  const std::string content = random_bytes(200 * 1024);
  transport->upload(content, path, 0755);
  EXPECT_EQ(read_file(path), content);
  char seen[32] = {};
  const ssize_t n = ::pread(reader, seen, sizeof seen, 0);
  ::close(reader);
  EXPECT_EQ(std::string(seen, static_cast<std::size_t>(std::max<ssize_t>(n, 0))), "old binary");
}

TEST_P(SshUploadTest, AFailureNamesThePathAndTheHostAndLeavesNothing) {
  const std::string file = work.path() + "/a-file";
  std::ofstream(file) << "x";
  try {
    transport->upload("content", file + "/under-a-file", 0644);
    FAIL() << "an upload under a regular file succeeded";
  } catch (const std::runtime_error& error) {
    const std::string message = error.what();
    EXPECT_NE(message.find(file + "/under-a-file"), std::string::npos) << message;
    EXPECT_NE(message.find(fleet.address(0)), std::string::npos) << message;
  }
  EXPECT_EQ(read_file(file), "x");
  // The connection is still good for the next upload.
  transport->upload("next", work.path() + "/next", 0644);
  EXPECT_EQ(read_file(work.path() + "/next"), "next");
}

INSTANTIATE_TEST_SUITE_P(
    Sftp, SshUploadTest,
    // SFTP-only accounts (every command forced to the SFTP server): the upload can only have
    // gone over SFTP.
    ::testing::Values(SftpSetup{"InternalSftp", "ForceCommand internal-sftp\n"},
                      SftpSetup{"OpenSshSftpServer",
                                "Subsystem sftp /usr/lib/openssh/sftp-server\n"
                                "ForceCommand /usr/lib/openssh/sftp-server\n"},
                      // Hosts without SFTP get the file streamed over an exec channel.
                      SftpSetup{"NoSftpSubsystem", "# no Subsystem line: no SFTP on this host\n"},
                      SftpSetup{"SftpServerMissing", "Subsystem sftp /nonexistent/sftp-server\n"},
                      // A login script that prints (the classic "Received message too long"
                      // of OpenSSH's sftp): the handshake is garbage, the stream still works.
                      SftpSetup{"NoisyLoginScript",
                                "Subsystem sftp echo Welcome to the host; exec "
                                "/usr/lib/openssh/sftp-server\n"}),
    [](const ::testing::TestParamInfo<SftpSetup>& setup) { return setup.param.name; });

}  // namespace
}  // namespace bosun::test
