// The agent's listening sockets on the real kernel, on loopback: a hand-over's socket joins the
// port's SO_REUSEPORT group but gets no connection until steered to; letting the old one go
// keeps the steering; a new agent takes the sockets back from the processes holding them and
// steers only when it holds the whole group.
#include "sys/listen_sockets.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>

#include <gtest/gtest.h>

#include "bosun/common/text_file.hpp"
#include "bosun/common/unique_fd.hpp"
#include "child_process.hpp"
#include "sys/socket_record.hpp"

namespace bosun::agent::sys {
namespace {

using std::chrono::milliseconds;

// A connection to 127.0.0.1:port, handshake done (on loopback, once connect() returns).
UniqueFd connect_to(std::uint16_t port) {
  UniqueFd fd(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(port);
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  EXPECT_EQ(::connect(fd.get(), reinterpret_cast<const sockaddr*>(&address), sizeof address), 0);
  return fd;
}

// A process of its own group holding `fd` as its fd 3, as a service instance does.
class Holder {
 public:
  explicit Holder(int fd) {
    int exec_done[2];
    EXPECT_EQ(::pipe2(exec_done, O_CLOEXEC), 0);
    m_pid = ::fork();
    if (m_pid == 0) {
      ::setpgid(0, 0);
      ::dup2(fd, 3);
      ::fcntl(3, F_SETFD, 0);  // fd 3 already: dup2 left its close-on-exec flag
      ::execl("/bin/sleep", "sleep", "60", static_cast<char*>(nullptr));
      ::_exit(127);
    }
    ::setpgid(m_pid, m_pid);  // no race with the child's own call: either one does it
    // Until its exec the child holds copies of every descriptor of this process.
    ::close(exec_done[1]);
    char byte = 0;
    EXPECT_EQ(::read(exec_done[0], &byte, 1), 0);
    ::close(exec_done[0]);
  }
  ~Holder() {
    ::kill(m_pid, SIGKILL);
    ::waitpid(m_pid, nullptr, 0);
  }
  Holder(const Holder&) = delete;
  Holder& operator=(const Holder&) = delete;
  pid_t pid() const { return m_pid; }

 private:
  pid_t m_pid = -1;
};

manifest::ListenSpec loopback_listen() {
  manifest::ListenSpec listen;
  listen.port = test::free_port();
  return listen;
}

bool queue_reaches(ListenSockets& sockets, unsigned long id, int count) {
  return test::wait_until([&] { return sockets.waiting_connections("api", id) == count; },
                          milliseconds(2000));
}

SocketRecord record_in(const test::TempDir& dir) {
  const auto text = read_text_file(dir.path() + "/api.socket");
  const auto record = text ? parse_socket_record(*text) : std::nullopt;
  EXPECT_TRUE(record.has_value()) << text.value_or("no record");
  return record.value_or(SocketRecord{});
}

TEST(SystemListenSockets, AHandOverSocketGetsConnectionsOnlyOnceSteeredTo) {
  test::TempDir dir;
  const auto sockets = system_listen_sockets(dir.path());
  const manifest::ListenSpec listen = loopback_listen();
  const Listener first = sockets->acquire("api", listen, 0, false);
  const Listener second = sockets->acquire("api", listen, 0, true);
  ASSERT_EQ(second.shared_because, "");
  ASSERT_NE(second.id, first.id);

  std::vector<UniqueFd> clients;
  for (int i = 0; i < 3; ++i) {
    clients.push_back(connect_to(listen.port));
  }
  EXPECT_TRUE(queue_reaches(*sockets, first.id, 3));
  EXPECT_EQ(sockets->waiting_connections("api", second.id), 0);

  EXPECT_EQ(sockets->steer_to("api", second.id), "");
  for (int i = 0; i < 4; ++i) {
    clients.push_back(connect_to(listen.port));
  }
  EXPECT_TRUE(queue_reaches(*sockets, second.id, 4));
  EXPECT_EQ(sockets->waiting_connections("api", first.id), 3);
  EXPECT_EQ(record_in(dir).current, second.id);
  EXPECT_EQ(record_in(dir).order, (std::vector<unsigned long>{first.id, second.id}));

  // The old one let go: the steering still holds (the group's order changed under it).
  sockets->let_go("api", first.id);
  EXPECT_EQ(sockets->waiting_connections("api", first.id), -1);
  clients.push_back(connect_to(listen.port));
  EXPECT_TRUE(queue_reaches(*sockets, second.id, 5));
  EXPECT_EQ(record_in(dir).order, std::vector<unsigned long>{second.id});

  // A restart after a crash keeps its socket; a next hand-over joins beside it again.
  EXPECT_EQ(sockets->acquire("api", listen, second.id, true).id, second.id);
  const Listener third = sockets->acquire("api", listen, 0, true);
  EXPECT_EQ(third.shared_because, "");
  clients.push_back(connect_to(listen.port));
  EXPECT_TRUE(queue_reaches(*sockets, second.id, 6));
  EXPECT_EQ(sockets->waiting_connections("api", third.id), 0);
}

// A new agent takes each socket back from the instance holding it and steers the next
// hand-over; one that could not take every socket of the group back shares instead, saying why.
TEST(SystemListenSockets, ANewAgentSteersOnlyWithTheWholeGroupTakenBack) {
  test::TempDir dir;
  const manifest::ListenSpec listen = loopback_listen();
  auto first_agent = system_listen_sockets(dir.path());
  const Listener old_socket = first_agent->acquire("api", listen, 0, false);
  const Listener new_socket = first_agent->acquire("api", listen, 0, true);
  Holder old_instance(old_socket.fd);
  Holder new_instance(new_socket.fd);
  first_agent.reset();  // the agent dies; the instances keep their copies

  const auto second_agent = system_listen_sockets(dir.path());
  const RecoveredSocket taken = second_agent->recover("api", listen, new_instance.pid());
  EXPECT_EQ(taken.why_not, "");
  EXPECT_EQ(taken.id, new_socket.id);
  // Without the old instance's socket the order cannot be trusted: a hand-over would share.
  EXPECT_NE(second_agent->acquire("api", listen, 0, true).shared_because, "");
  EXPECT_EQ(second_agent->recover("api", listen, old_instance.pid()).id, old_socket.id);
  EXPECT_EQ(second_agent->steer_to("api", new_socket.id), "");
  std::vector<UniqueFd> clients;
  clients.push_back(connect_to(listen.port));
  EXPECT_TRUE(queue_reaches(*second_agent, new_socket.id, 1));
  EXPECT_EQ(second_agent->waiting_connections("api", old_socket.id), 0);
  const Listener next = second_agent->acquire("api", listen, 0, true);
  EXPECT_EQ(next.shared_because, "");
  EXPECT_NE(next.id, new_socket.id);
}

// A port some other process listens on is refused with the way to find it, not joined.
TEST(SystemListenSockets, APortHeldElsewhereIsRefusedNamingHowToFindTheHolder) {
  test::TempDir dir;
  const manifest::ListenSpec listen = loopback_listen();
  std::filesystem::create_directory(dir.path() + "/other");
  const auto other = system_listen_sockets(dir.path() + "/other");
  other->acquire("someone-else", listen, 0, false);
  const auto sockets = system_listen_sockets(dir.path());
  try {
    sockets->acquire("api", listen, 0, false);
    ADD_FAILURE() << "bound a port another process listens on";
  } catch (const std::runtime_error& error) {
    EXPECT_NE(std::string(error.what()).find("another process holds the port: ss -ltnp"),
              std::string::npos)
        << error.what();
  }
}

}  // namespace
}  // namespace bosun::agent::sys
