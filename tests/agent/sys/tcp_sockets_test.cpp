// The TCP sockets read through sock_diag netlink: a listener and both ends of a connection on
// loopback, IPv4 and IPv6, with the same addresses, ports, states and inodes /proc/net/tcp
// gives, and no TIME_WAIT (what made /proc slow on a busy port).
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <set>
#include <tuple>

#include <gtest/gtest.h>

#include "bosun/common/unique_fd.hpp"
#include "sys/proc_net_tcp.hpp"

namespace bosun::agent::sys {
namespace {

using Row = std::tuple<std::string, std::uint16_t, std::string, unsigned long, bool>;

std::set<Row> rows_on(const std::vector<TcpSocketEntry>& entries, std::uint16_t port) {
  std::set<Row> rows;
  for (const TcpSocketEntry& entry : entries) {
    if (entry.port == port && (entry.state == k_tcp_listen || entry.state == k_tcp_established)) {
      rows.insert({entry.address, entry.port, entry.state, entry.inode, entry.loopback});
    }
  }
  return rows;
}

unsigned long inode_of(int fd) {
  struct stat info {};
  EXPECT_EQ(::fstat(fd, &info), 0);
  return info.st_ino;
}

// A listener on `host` (an IPv4 or IPv6 loopback address), a client connected to it and the
// accepted end; the port in `port`.
struct Connected {
  UniqueFd listener, client, accepted;
  std::uint16_t port = 0;
};

Connected connect_on(int family) {
  Connected c;
  sockaddr_storage address{};
  socklen_t length = 0;
  if (family == AF_INET) {
    auto* v4 = reinterpret_cast<sockaddr_in*>(&address);
    v4->sin_family = AF_INET;
    v4->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    length = sizeof(sockaddr_in);
  } else {
    auto* v6 = reinterpret_cast<sockaddr_in6*>(&address);
    v6->sin6_family = AF_INET6;
    v6->sin6_addr = in6addr_loopback;
    length = sizeof(sockaddr_in6);
  }
  c.listener = UniqueFd(::socket(family, SOCK_STREAM | SOCK_CLOEXEC, 0));
  EXPECT_EQ(::bind(c.listener.get(), reinterpret_cast<sockaddr*>(&address), length), 0);
  EXPECT_EQ(::listen(c.listener.get(), 8), 0);
  EXPECT_EQ(::getsockname(c.listener.get(), reinterpret_cast<sockaddr*>(&address), &length), 0);
  c.port = ntohs(family == AF_INET ? reinterpret_cast<sockaddr_in*>(&address)->sin_port
                                   : reinterpret_cast<sockaddr_in6*>(&address)->sin6_port);
  c.client = UniqueFd(::socket(family, SOCK_STREAM | SOCK_CLOEXEC, 0));
  EXPECT_EQ(::connect(c.client.get(), reinterpret_cast<sockaddr*>(&address), length), 0);
  c.accepted = UniqueFd(::accept4(c.listener.get(), nullptr, nullptr, SOCK_CLOEXEC));
  return c;
}

TEST(TcpSockets, NetlinkListsWhatProcListsForListenersAndConnections) {
  for (const int family : {AF_INET, AF_INET6}) {
    const Connected c = connect_on(family);
    const std::set<Row> rows = rows_on(tcp_sockets(), c.port);
    const std::string host = family == AF_INET ? "127.0.0.1" : "::1";
    EXPECT_TRUE(rows.contains({host, c.port, k_tcp_listen, inode_of(c.listener.get()), true}))
        << host;
    EXPECT_TRUE(rows.contains({host, c.port, k_tcp_established, inode_of(c.accepted.get()), true}))
        << host;
    EXPECT_EQ(rows, rows_on(proc_net_tcp_sockets(), c.port)) << host;
  }
}

TEST(TcpSockets, AClosedConnectionsTimeWaitIsNotListed) {
  Connected c = connect_on(AF_INET);
  const std::uint16_t client_port = [&] {
    sockaddr_in local{};
    socklen_t length = sizeof local;
    ::getsockname(c.client.get(), reinterpret_cast<sockaddr*>(&local), &length);
    return ntohs(local.sin_port);
  }();
  c.client = UniqueFd();  // the client closes first: its end goes to TIME_WAIT
  c.accepted = UniqueFd();
  const auto in_proc = proc_net_tcp_sockets();
  const bool waiting = std::any_of(in_proc.begin(), in_proc.end(), [&](const TcpSocketEntry& e) {
    return e.port == client_port && e.state != k_tcp_listen && e.state != k_tcp_established;
  });
  EXPECT_TRUE(waiting) << "the closed client's end should be in /proc/net/tcp (TIME_WAIT)";
  const auto listed = tcp_sockets();
  EXPECT_FALSE(std::any_of(listed.begin(), listed.end(),
                           [&](const TcpSocketEntry& e) { return e.port == client_port; }));
}

}  // namespace
}  // namespace bosun::agent::sys
