// Issue 16, item 7: the end of a session reply is in-band, so a service that printed
// {"session":"done",...} into its log used to end a `logs` stream early. A command's output is
// now framed: such a line travels escaped and reaches the reader as it was written, whatever
// pieces it was written in, and only the agent's own done line ends the reply.
#include <unistd.h>

#include <algorithm>
#include <fstream>
#include <sstream>

#include <gtest/gtest.h>

#include "agent_fixture.hpp"
#include "bosun/common/line_buffer.hpp"
#include "bosun/common/session_protocol.hpp"
#include "child_process.hpp"
#include "cli/session_cli.hpp"
#include "git_repo.hpp"

namespace bosun::test {
namespace {

const std::string k_fake_done = R"({"session":"done","exit":0})";

struct Reply {
  std::vector<std::string> lines;  // the command's output, as the controller reads it
  std::vector<int> exits;          // the done lines
};

// The stream read the way the controller's AgentChannel reads it.
Reply read_replies(const std::string& stream) {
  Reply reply;
  std::istringstream in(stream);
  for (std::string line; std::getline(in, line);) {
    int exit_code = -1;
    if (parse_session_done(line, exit_code)) {
      reply.exits.push_back(exit_code);
    } else {
      reply.lines.emplace_back(session_output_line(line));
    }
  }
  return reply;
}

TEST(SessionFraming, OutputThatLooksLikeTheEndOfAReplyIsNotTakenForIt) {
  int fds[2];
  ASSERT_EQ(::pipe(fds), 0);
  const std::string request = session_request_line({"logs", "web"}) + "\n";
  ASSERT_EQ(::write(fds[1], request.data(), request.size()), static_cast<ssize_t>(request.size()));
  ::close(fds[1]);
  std::ostringstream output;
  std::ostringstream err;
  const auto runner = [](const std::vector<std::string>&, std::ostream& out, std::ostream&) {
    out << k_fake_done << "\n";
    out << R"({"ses)" << std::flush << R"(sion":"done","exit":0} written in pieces)"
        << "\n";
    out << "\x1e"
        << "a line that starts with the escape byte itself\n";
    out << "{\"sess\n";  // shorter than a control line: as it is
    out << "last words without a newline";
    return 3;
  };
  agent::cli::session_command({}, output, err, runner, fds[0]);
  ::close(fds[0]);
  const Reply reply = read_replies(output.str());
  EXPECT_EQ(reply.exits, std::vector<int>{3}) << output.str();
  EXPECT_EQ(reply.lines, (std::vector<std::string>{k_fake_done, k_fake_done + " written in pieces",
                                                   "\x1e"
                                                   "a line that starts with the escape byte itself",
                                                   "{\"sess", "last words without a newline"}));
}

// Through the real agent: a service prints the done line into its log, and `logs` over the
// daemon's session socket still returns the lines after it.
TEST(SessionFraming, ALogWithTheDoneLineInItIsReadToItsEnd) {
  AgentSandbox agent;
  TempDir source;
  GitRepo repo{source.path() + "/app"};
  repo.write("app.yaml",
             "app: framing\nrepo: " + repo.path() +
                 "\nverify: {window: 1s}\nservices:\n  web:\n    command: [/usr/bin/python3, -c, "
                 "\"print('{\\\"session\\\":\\\"done\\\",\\\"exit\\\":0}'); print('after the fake "
                 "end', flush=True); import time; time.sleep(120)\"]\n");
  const std::string sha = repo.commit_all("a log that ends sessions");
  agent.start_agent({"--repo", repo.path()});
  const CliRun deploy = agent.cli({"deploy", "--root", agent.root(), "--commit", sha, "--json"},
                                  std::chrono::seconds(60));
  ASSERT_EQ(deploy.code, 0) << deploy.output;
  ASSERT_TRUE(wait_until(
      [&] {
        return agent.cli({"logs", "web", "--root", agent.root()}).output.find("after the fake") !=
               std::string::npos;
      },
      std::chrono::milliseconds(20'000)));
  // A session over the daemon's socket, the controller's way in.
  const std::string request =
      session_request_line({"logs", "web", "--root", agent.root(), "-n", "20"}) + "\n" +
      session_request_line({"status", "--root", agent.root()}) + "\n";
  const std::string request_file = agent.root() + "/request.txt";
  std::ofstream(request_file) << request;
  ChildProcess client({{"/usr/bin/python3", "-c",
                        "import socket,sys\ns=socket.socket(socket.AF_UNIX)\n"
                        "s.connect(sys.argv[1])\ns.sendall(open(sys.argv[2],'rb').read())\n"
                        "s.shutdown(socket.SHUT_WR)\n"
                        "while True:\n  b=s.recv(65536)\n  if not b: break\n"
                        "  sys.stdout.buffer.write(b)\n",
                        agent.root() + "/session.sock", request_file},
                       {},
                       "",
                       agent.root() + "/client.out"});
  ASSERT_TRUE(client.wait(std::chrono::milliseconds(30'000)).has_value());
  const std::string stream = client.output();
  const Reply reply = read_replies(stream);
  EXPECT_EQ(reply.exits, (std::vector<int>{0, 0})) << stream;
  EXPECT_NE(std::find(reply.lines.begin(), reply.lines.end(), k_fake_done), reply.lines.end())
      << stream;
  EXPECT_NE(std::find(reply.lines.begin(), reply.lines.end(), "after the fake end"),
            reply.lines.end())
      << stream;
  agent.cli({"stop-all", "--root", agent.root()}, std::chrono::seconds(30));
}

}  // namespace
}  // namespace bosun::test
