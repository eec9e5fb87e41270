#pragma once
// The kernel's TCP socket tables, /proc/net/tcp and tcp6: each socket's local address and
// port, state and inode. For the ports a service listens on and the connections an old
// instance still has.

#include <cstdint>
#include <string>
#include <vector>

namespace bosun::agent::sys {

inline constexpr const char* k_tcp_established = "01";
inline constexpr const char* k_tcp_listen = "0A";

struct TcpSocketEntry {
  std::string address;  // "127.0.0.1", "0.0.0.0", "::", "::1"
  std::uint16_t port = 0;
  std::string state;  // as the kernel writes it: k_tcp_listen, k_tcp_established, ...
  unsigned long inode = 0;
  bool loopback = false;  // 127.0.0.0/8, ::1, ::ffff:127.x.x.x
};

// One table's text (`v6`: tcp6); lines that are not the kernel's are skipped. Pure.
std::vector<TcpSocketEntry> parse_proc_net_tcp(const std::string& text, bool v6);

// Both tables, read now.
std::vector<TcpSocketEntry> tcp_sockets();

}  // namespace bosun::agent::sys
