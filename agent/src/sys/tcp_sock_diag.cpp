// tcp_sockets() through the kernel's sock_diag netlink interface (NETLINK_SOCK_DIAG,
// inet_diag_req_v2): one dump per address family, only the listening and established states.
#include <linux/inet_diag.h>
#include <linux/netlink.h>
#include <linux/sock_diag.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdio>
#include <cstring>
#include <optional>

#include "bosun/common/unique_fd.hpp"
#include "sys/proc_net_tcp.hpp"

namespace bosun::agent::sys {
namespace {

constexpr std::uint32_t k_wanted_states = (1U << TCP_LISTEN) | (1U << TCP_ESTABLISHED);

constexpr std::size_t aligned(std::size_t length) {
  return (length + NLMSG_ALIGNTO - 1) & ~std::size_t{NLMSG_ALIGNTO - 1};
}
constexpr std::size_t k_header = aligned(sizeof(nlmsghdr));

std::string state_text(unsigned state) {
  char hex[3];
  std::snprintf(hex, sizeof hex, "%02X", state & 0xffU);
  return hex;  // as /proc/net/tcp writes it: k_tcp_listen, k_tcp_established
}

// The family's sockets in the wanted states; nullopt when the kernel refuses the dump (no
// inet_diag, a seccomp filter): the caller reads /proc instead.
std::optional<std::vector<TcpSocketEntry>> dump(int family) {
  UniqueFd fd(::socket(AF_NETLINK, SOCK_DGRAM | SOCK_CLOEXEC, NETLINK_SOCK_DIAG));
  if (!fd.valid()) {
    return std::nullopt;
  }
  struct {
    nlmsghdr header;
    inet_diag_req_v2 request;
  } message{};
  message.header.nlmsg_len = sizeof message;
  message.header.nlmsg_type = SOCK_DIAG_BY_FAMILY;
  message.header.nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
  message.request.sdiag_family = static_cast<std::uint8_t>(family);
  message.request.sdiag_protocol = IPPROTO_TCP;
  message.request.idiag_states = k_wanted_states;
  sockaddr_nl kernel{};
  kernel.nl_family = AF_NETLINK;
  if (::sendto(fd.get(), &message, sizeof message, 0, reinterpret_cast<sockaddr*>(&kernel),
               sizeof kernel) < 0) {
    return std::nullopt;
  }
  std::vector<TcpSocketEntry> entries;
  std::vector<char> storage(32768);
  char* const buffer = storage.data();
  // Bounded: a dump ends with NLMSG_DONE; a kernel that never sent it would stop at EOF.
  for (int reads = 0; reads < 100000; ++reads) {
    const ssize_t got = ::recv(fd.get(), buffer, storage.size(), 0);
    if (got <= 0) {
      return std::nullopt;
    }
    // Walked by hand: the NLMSG_* macros cast in the old style, which the warnings refuse.
    const auto size = static_cast<std::size_t>(got);
    for (std::size_t at = 0; at + sizeof(nlmsghdr) <= size;) {
      nlmsghdr header{};
      std::memcpy(&header, buffer + at, sizeof header);
      if (header.nlmsg_len < sizeof header || at + header.nlmsg_len > size) {
        return std::nullopt;  // torn: not the kernel's
      }
      if (header.nlmsg_type == NLMSG_DONE) {
        return entries;
      }
      if (header.nlmsg_type == NLMSG_ERROR || header.nlmsg_len < k_header + sizeof(inet_diag_msg)) {
        return std::nullopt;
      }
      inet_diag_msg socket{};
      std::memcpy(&socket, buffer + at + k_header, sizeof socket);
      TcpSocketEntry entry;
      entry.port = ntohs(socket.id.idiag_sport);
      entry.state = state_text(socket.idiag_state);
      entry.inode = socket.idiag_inode;
      describe_address(reinterpret_cast<const unsigned char*>(socket.id.idiag_src),
                       family == AF_INET6, entry);
      entries.push_back(std::move(entry));
      at += aligned(header.nlmsg_len);
    }
  }
  return std::nullopt;
}

}  // namespace

std::vector<TcpSocketEntry> tcp_sockets() {
  auto v4 = dump(AF_INET);
  const auto v6 = v4 ? dump(AF_INET6) : std::nullopt;
  if (!v4 || !v6) {
    std::vector<TcpSocketEntry> wanted;
    for (TcpSocketEntry& entry : proc_net_tcp_sockets()) {
      if (entry.state == k_tcp_listen || entry.state == k_tcp_established) {
        wanted.push_back(std::move(entry));
      }
    }
    return wanted;
  }
  v4->insert(v4->end(), v6->begin(), v6->end());
  return *v4;
}

}  // namespace bosun::agent::sys
