#include "report/listeners.hpp"

#include <arpa/inet.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

#include "sys/proc_pids.hpp"

namespace bosun::agent::report {
namespace {

constexpr const char* k_listen_state = "0A";

// /proc/net/tcp writes each 32-bit word of an address in host byte order, as hex.
bool decode_address(const std::string& hex, bool v6, std::string& text, bool& loopback) {
  const std::size_t words = v6 ? 4 : 1;
  if (hex.size() != words * 8) {
    return false;
  }
  std::uint32_t raw[4] = {0, 0, 0, 0};
  for (std::size_t i = 0; i < words; ++i) {
    raw[i] = static_cast<std::uint32_t>(std::stoul(hex.substr(i * 8, 8), nullptr, 16));
  }
  char buffer[INET6_ADDRSTRLEN] = {};
  if (!v6) {
    in_addr address{};
    address.s_addr = raw[0];
    ::inet_ntop(AF_INET, &address, buffer, sizeof buffer);
    loopback = (ntohl(raw[0]) >> 24) == 127;
  } else {
    in6_addr address{};
    std::copy(reinterpret_cast<const unsigned char*>(raw),
              reinterpret_cast<const unsigned char*>(raw) + 16, address.s6_addr);
    ::inet_ntop(AF_INET6, &address, buffer, sizeof buffer);
    const bool mapped_loopback = IN6_IS_ADDR_V4MAPPED(&address) && address.s6_addr[12] == 127;
    loopback = IN6_IS_ADDR_LOOPBACK(&address) || mapped_loopback;
  }
  text = buffer;
  return true;
}

std::string read_all(const std::string& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

// The socket inodes `pid` holds.
std::set<unsigned long> socket_inodes(pid_t pid) {
  std::set<unsigned long> inodes;
  std::error_code error;
  for (const auto& entry :
       std::filesystem::directory_iterator("/proc/" + std::to_string(pid) + "/fd", error)) {
    std::error_code unreadable;
    const std::string target = std::filesystem::read_symlink(entry.path(), unreadable).string();
    if (target.starts_with("socket:[") && target.ends_with("]")) {
      inodes.insert(std::stoul(target.substr(8, target.size() - 9)));
    }
  }
  return inodes;
}

}  // namespace

std::string Listener::where() const {
  return (address.find(':') != std::string::npos ? "[" + address + "]" : address) + ":" +
         std::to_string(port);
}

std::map<unsigned long, Listener> parse_listening(const std::string& proc_net_tcp, bool v6) {
  std::map<unsigned long, Listener> listening;
  std::istringstream lines(proc_net_tcp);
  std::string line;
  std::getline(lines, line);  // the header
  while (std::getline(lines, line)) {
    std::istringstream fields(line);
    std::string slot, local, remote, state, queues, timer, retransmits, uid, timeout;
    unsigned long inode = 0;
    if (!(fields >> slot >> local >> remote >> state >> queues >> timer >> retransmits >> uid >>
          timeout >> inode) ||
        state != k_listen_state) {
      continue;
    }
    const std::size_t colon = local.find(':');
    Listener listener;
    try {
      if (colon == std::string::npos ||
          !decode_address(local.substr(0, colon), v6, listener.address, listener.loopback)) {
        continue;
      }
      listener.port = static_cast<std::uint16_t>(std::stoul(local.substr(colon + 1), nullptr, 16));
    } catch (const std::exception&) {
      continue;  // not hex: not a line of the kernel's
    }
    listening[inode] = listener;
  }
  return listening;
}

std::vector<Listener> listeners_of(pid_t leader) {
  std::map<unsigned long, Listener> listening = parse_listening(read_all("/proc/net/tcp"), false);
  for (auto& [inode, listener] : parse_listening(read_all("/proc/net/tcp6"), true)) {
    listening[inode] = listener;
  }
  std::set<unsigned long> held = socket_inodes(leader);
  for (const pid_t pid : sys::all_pids()) {
    if (pid != leader && ::getpgid(pid) == leader) {
      const auto more = socket_inodes(pid);
      held.insert(more.begin(), more.end());
    }
  }
  std::vector<Listener> found;
  for (const unsigned long inode : held) {
    if (const auto it = listening.find(inode); it != listening.end()) {
      found.push_back(it->second);
    }
  }
  return found;
}

}  // namespace bosun::agent::report
