#pragma once
// The kernel's TCP sockets: each one's local address and port, state and inode. For the ports
// a service listens on and the connections an old instance still has. Read through sock_diag
// netlink (tcp_sock_diag.cpp, as `ss` does), which lists only the states asked for: a busy
// port leaves tens of thousands of TIME_WAIT lines in /proc/net/tcp, and reading those took
// half a second during a hand-over. /proc/net/tcp and tcp6 where netlink is refused.

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

// `entry`'s address and loopback flag from the address's 4 or 16 bytes, in network order.
void describe_address(const unsigned char* bytes, bool v6, TcpSocketEntry& entry);

// Both tables, read now, every state.
std::vector<TcpSocketEntry> proc_net_tcp_sockets();

// The listening and established TCP sockets, IPv4 and IPv6, now.
std::vector<TcpSocketEntry> tcp_sockets();

}  // namespace bosun::agent::sys
