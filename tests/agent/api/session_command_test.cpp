// `bosun-agent session`: requests in, each command's output and a done line out, bad
// requests refused without ending the session, a lock taken in the session kept alive.

#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstring>

#include <filesystem>
#include <sstream>
#include <thread>

#include <gtest/gtest.h>

#include "agent_namespaces.hpp"
#include "api/session_server.hpp"
#include "bosun/common/session_protocol.hpp"
#include "child_process.hpp"
#include "cli/session_cli.hpp"

namespace bosun::agent {
namespace {

using std::chrono::milliseconds;

class SessionCommand : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_EQ(::pipe(fds), 0); }
  void TearDown() override {
    close_input();
    ::close(fds[0]);
  }

  void write_line(const std::string& line) {
    const std::string text = line + "\n";
    ASSERT_EQ(::write(fds[1], text.data(), text.size()), static_cast<ssize_t>(text.size()));
  }
  void close_input() {
    if (fds[1] >= 0) {
      ::close(fds[1]);
      fds[1] = -1;
    }
  }

  // Records each call and prints its arguments; "fail" exits 1, "lock acquire" succeeds.
  int runner(const std::vector<std::string>& args, std::ostream& out, std::ostream& err) {
    calls.push_back(args);
    if (args[0] == "fail") {
      err << "it failed\n";
      return 1;
    }
    for (const std::string& arg : args) {
      out << "[" << arg << "]";
    }
    out << "\n";
    return 0;
  }

  int run(milliseconds renew_every = milliseconds(20'000),
          milliseconds idle_timeout = milliseconds(600'000)) {
    std::ostringstream err;
    return session_command(
        {}, output, err,
        [this](const std::vector<std::string>& args, std::ostream& out, std::ostream& errors) {
          return runner(args, out, errors);
        },
        fds[0], renew_every, idle_timeout);
  }

  int fds[2] = {-1, -1};
  std::ostringstream output;
  std::vector<std::vector<std::string>> calls;
};

TEST_F(SessionCommand, RunsEachRequestAndEndsItsReplyWithTheExitCode) {
  write_line(session_request_line({"releases", "--root", "/srv/a b", "--json"}));
  write_line(session_request_line({"fail"}));
  write_line("");  // blank lines are skipped
  write_line(session_request_line({"status"}));
  close_input();
  EXPECT_EQ(run(), 0);
  EXPECT_EQ(output.str(), "[releases][--root][/srv/a b][--json]\n" + session_done_line(0) +
                              "\nit failed\n" + session_done_line(1) + "\n[status]\n" +
                              session_done_line(0) + "\n");
}

// A request line longer than 64 KiB (a client gone wrong, or hostile) ends the session, saying
// why; what came before it was answered.
TEST_F(SessionCommand, ALineOverTheCapEndsTheSession) {
  write_line(session_request_line({"status"}));
  std::thread writer([this] {
    const std::string huge(70 * 1024, 'x');  // no newline: the reader must not wait for one
    (void)!::write(fds[1], huge.data(), huge.size());
  });
  EXPECT_EQ(run(), 2);
  writer.join();
  const std::string text = output.str();
  EXPECT_NE(text.find("bad request: a line longer than 65536 bytes; the session ends"),
            std::string::npos)
      << text.substr(0, 400);
  ASSERT_EQ(calls.size(), 1U);
  EXPECT_EQ(calls[0], std::vector<std::string>{"status"});
}

TEST_F(SessionCommand, RefusesBadRequestsAndGoesOn) {
  write_line("releases --json");              // not JSON
  write_line(R"(["releases", 3])");           // not all strings
  write_line("[]");                           // nothing to run
  write_line(session_request_line({"run"}));  // the daemon
  write_line(session_request_line({"session"}));
  write_line(session_request_line({"status"}));
  close_input();
  EXPECT_EQ(run(), 0);
  const std::string text = output.str();
  EXPECT_NE(text.find("bad request: not a JSON array of strings"), std::string::npos) << text;
  EXPECT_NE(text.find("bad request: argument 2 is not a string"), std::string::npos) << text;
  EXPECT_NE(text.find("bad request: an empty request"), std::string::npos) << text;
  EXPECT_NE(text.find("\"run\" cannot run in a session"), std::string::npos) << text;
  EXPECT_NE(text.find("\"session\" cannot run in a session"), std::string::npos) << text;
  ASSERT_EQ(calls.size(), 1U);
  EXPECT_EQ(calls[0], std::vector<std::string>{"status"});
  std::size_t refusals = 0;
  for (std::size_t at = text.find(session_done_line(2)); at != std::string::npos;
       at = text.find(session_done_line(2), at + 1)) {
    ++refusals;
  }
  EXPECT_EQ(refusals, 5U) << text;
}

TEST_F(SessionCommand, KeepsItsLockAliveWhileWaitingAndStopsAfterRelease) {
  write_line(
      session_request_line({"lock", "acquire", "--holder", "ci", "--wait", "5s", "--ttl", "10m"}));
  std::thread later([this] {
    std::this_thread::sleep_for(milliseconds(300));
    write_line(session_request_line({"lock", "release", "--holder", "ci"}));
    std::this_thread::sleep_for(milliseconds(300));
    close_input();
  });
  EXPECT_EQ(run(milliseconds(50)), 0);
  later.join();
  const std::vector<std::string> renewal{"lock", "acquire", "--holder", "ci", "--ttl", "10m"};
  std::size_t renewals_before_release = 0;
  std::size_t renewals_after_release = 0;
  bool released = false;
  for (const auto& call : calls) {
    if (call.size() > 1 && call[1] == "release") {
      released = true;
    } else if (call == renewal) {
      ++(released ? renewals_after_release : renewals_before_release);
    }
  }
  EXPECT_TRUE(released);
  EXPECT_GE(renewals_before_release, 2U) << "renewed (without --wait) while waiting";
  EXPECT_EQ(renewals_after_release, 0U);
}

// A session that asks nothing and holds no lock ends after its idle timeout (64 idle ones would
// otherwise lock everyone else out of the daemon); input left open does not keep it.
TEST_F(SessionCommand, AnIdleSessionWithoutALockEnds) {
  write_line(session_request_line({"status"}));
  EXPECT_EQ(run(milliseconds(20'000), milliseconds(150)), 0);
  EXPECT_NE(output.str().find("no request for 150ms and no lock held; the session ends"),
            std::string::npos)
      << output.str();
  EXPECT_EQ(calls.size(), 1U);
}

// ... but one holding a lock (a stage waiting for its turn) stays, renewing it.
TEST_F(SessionCommand, ASessionHoldingALockOutlivesTheIdleTimeout) {
  write_line(session_request_line({"lock", "acquire", "--holder", "ci", "--ttl", "10m"}));
  std::thread later([this] {
    std::this_thread::sleep_for(milliseconds(400));
    close_input();
  });
  EXPECT_EQ(run(milliseconds(50), milliseconds(100)), 0);
  later.join();
  EXPECT_EQ(output.str().find("no request for"), std::string::npos) << output.str();
  EXPECT_GE(calls.size(), 3U) << "renewed while idle";
}

// Reads from `fd` until `text` has arrived (or 10 s pass).
std::string read_until(int fd, const std::string& text) {
  std::string got;
  char buffer[512];
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (got.find(text) == std::string::npos && std::chrono::steady_clock::now() < deadline) {
    const ssize_t n = ::recv(fd, buffer, sizeof buffer, MSG_DONTWAIT);
    if (n > 0) {
      got.append(buffer, static_cast<std::size_t>(n));
    } else if (n == 0) {
      break;
    } else {
      std::this_thread::sleep_for(milliseconds(5));
    }
  }
  return got;
}

TEST(SessionServer, ServesSessionsOnItsSocketAndEndsThemWhenStopped) {
  test::TempDir dir;
  const std::string path = dir.path() + "/session.sock";
  SessionServer server(path,
                       [](const std::vector<std::string>& args, std::ostream& out, std::ostream&) {
                         out << "ran " << args[0] << "\n";
                         return args[0] == "status" ? 0 : 1;
                       });
  server.start();
  const auto connect_client = [&] {
    const int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_un address{};
    address.sun_family = AF_UNIX;
    std::memcpy(address.sun_path, path.c_str(), path.size() + 1);
    EXPECT_EQ(::connect(fd, reinterpret_cast<const sockaddr*>(&address), sizeof address), 0);
    return fd;
  };
  const int first = connect_client();
  const int second = connect_client();
  const std::string request =
      session_request_line({"status"}) + "\n" + session_request_line({"releases"}) + "\n";
  ASSERT_EQ(::send(first, request.data(), request.size(), MSG_NOSIGNAL),
            static_cast<ssize_t>(request.size()));
  EXPECT_EQ(
      read_until(first, session_done_line(1)),
      "ran status\n" + session_done_line(0) + "\nran releases\n" + session_done_line(1) + "\n");
  ::shutdown(first, SHUT_WR);  // the end of a session
  EXPECT_EQ(read_until(first, "never"), "") << "the server closed it";
  ::close(first);
  // Ended sessions make room: many more than the limit on open sessions, one after another.
  for (int i = 0; i < 80; ++i) {
    const int next = connect_client();
    const std::string line = session_request_line({"status"}) + "\n";
    ASSERT_EQ(::send(next, line.data(), line.size(), MSG_NOSIGNAL),
              static_cast<ssize_t>(line.size()));
    ASSERT_EQ(read_until(next, session_done_line(0)), "ran status\n" + session_done_line(0) + "\n")
        << "session " << i;
    ::shutdown(next, SHUT_WR);
    read_until(next, "never");
    ::close(next);
  }
  // Stopping ends a session that is still open, and removes the socket.
  server.stop();
  EXPECT_EQ(read_until(second, "never"), "");
  ::close(second);
  EXPECT_FALSE(std::filesystem::exists(path));
}

TEST(SessionProtocol, RequestsSurviveAnyArgumentAndDoneLinesParse) {
  const std::string line = session_request_line({"a\"b", "c\\d", "e\nf", "\x01", "é"});
  EXPECT_EQ(line, R"(["a\"b","c\\d","e\u000af","\u0001","é"])");
  int code = -1;
  EXPECT_TRUE(parse_session_done(session_done_line(3), code));
  EXPECT_EQ(code, 3);
  EXPECT_FALSE(parse_session_done(R"({"session":"done","exit":3x})", code));
  EXPECT_FALSE(parse_session_done(R"({"type":"note"})", code));
}

}  // namespace
}  // namespace bosun::agent
