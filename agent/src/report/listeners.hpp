#pragma once
// The TCP ports a service listens on, and on which addresses: read from /proc/net/tcp and
// tcp6 (the listening sockets, by inode) and /proc/PID/fd of the service's process group (the
// inodes it holds). For the readiness report's "exposure" rows: a Redis on 0.0.0.0 without a
// password is the classic hole on a cloud VM.

#include <sys/types.h>

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "sys/proc_net_tcp.hpp"

namespace bosun::agent::report {

struct Listener {
  std::string address;  // "127.0.0.1", "0.0.0.0", "::", "::1"
  std::uint16_t port = 0;
  bool loopback = false;  // 127.0.0.0/8, ::1, ::ffff:127.x.x.x

  std::string where() const;  // "0.0.0.0:6390", "[::]:80"
};

// The sockets in LISTEN state of one /proc/net/tcp (or tcp6: `v6`) text, by inode. Pure.
std::map<unsigned long, Listener> parse_listening(const std::string& proc_net_tcp, bool v6);

// The listeners among `sockets` (sys::tcp_sockets(), read once per report) held by `leader`
// and its process group.
std::vector<Listener> listeners_of(pid_t leader, const std::vector<sys::TcpSocketEntry>& sockets);

}  // namespace bosun::agent::report
