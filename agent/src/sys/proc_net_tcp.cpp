#include "sys/proc_net_tcp.hpp"

#include <arpa/inet.h>

#include <algorithm>
#include <sstream>

#include "bosun/common/text_file.hpp"

namespace bosun::agent::sys {
namespace {

// The kernel writes each 32-bit word of an address in host byte order, as hex.
bool decode_address(const std::string& hex, bool v6, TcpSocketEntry& entry) {
  const std::size_t words = v6 ? 4 : 1;
  if (hex.size() != words * 8) {
    return false;
  }
  std::uint32_t raw[4] = {0, 0, 0, 0};
  for (std::size_t i = 0; i < words; ++i) {
    raw[i] = static_cast<std::uint32_t>(std::stoul(hex.substr(i * 8, 8), nullptr, 16));
  }
  describe_address(reinterpret_cast<const unsigned char*>(raw), v6, entry);
  return true;
}

}  // namespace

void describe_address(const unsigned char* bytes, bool v6, TcpSocketEntry& entry) {
  char buffer[INET6_ADDRSTRLEN] = {};
  if (!v6) {
    in_addr address{};
    std::copy(bytes, bytes + 4, reinterpret_cast<unsigned char*>(&address.s_addr));
    ::inet_ntop(AF_INET, &address, buffer, sizeof buffer);
    entry.loopback = bytes[0] == 127;
  } else {
    in6_addr address{};
    std::copy(bytes, bytes + 16, address.s6_addr);
    ::inet_ntop(AF_INET6, &address, buffer, sizeof buffer);
    const bool mapped_loopback = IN6_IS_ADDR_V4MAPPED(&address) && address.s6_addr[12] == 127;
    entry.loopback = IN6_IS_ADDR_LOOPBACK(&address) || mapped_loopback;
  }
  entry.address = buffer;
}

std::vector<TcpSocketEntry> parse_proc_net_tcp(const std::string& text, bool v6) {
  std::vector<TcpSocketEntry> entries;
  std::istringstream lines(text);
  std::string line;
  std::getline(lines, line);  // the header
  while (std::getline(lines, line)) {
    std::istringstream fields(line);
    std::string slot, local, remote, queues, timer, retransmits, uid, timeout;
    TcpSocketEntry entry;
    if (!(fields >> slot >> local >> remote >> entry.state >> queues >> timer >> retransmits >>
          uid >> timeout >> entry.inode)) {
      continue;
    }
    const std::size_t colon = local.find(':');
    try {
      if (colon == std::string::npos || !decode_address(local.substr(0, colon), v6, entry)) {
        continue;
      }
      entry.port = static_cast<std::uint16_t>(std::stoul(local.substr(colon + 1), nullptr, 16));
    } catch (const std::exception&) {
      continue;  // not hex: not a line of the kernel's
    }
    entries.push_back(std::move(entry));
  }
  return entries;
}

std::vector<TcpSocketEntry> proc_net_tcp_sockets() {
  std::vector<TcpSocketEntry> entries =
      parse_proc_net_tcp(read_text_file("/proc/net/tcp").value_or(""), false);
  const auto v6 = parse_proc_net_tcp(read_text_file("/proc/net/tcp6").value_or(""), true);
  entries.insert(entries.end(), v6.begin(), v6.end());
  return entries;
}

}  // namespace bosun::agent::sys
