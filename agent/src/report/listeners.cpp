#include "report/listeners.hpp"

#include <set>

#include "sys/proc_pids.hpp"

namespace bosun::agent::report {

std::string Listener::where() const {
  return (address.find(':') != std::string::npos ? "[" + address + "]" : address) + ":" +
         std::to_string(port);
}

std::map<unsigned long, Listener> parse_listening(const std::string& proc_net_tcp, bool v6) {
  std::map<unsigned long, Listener> listening;
  for (const sys::TcpSocketEntry& entry : sys::parse_proc_net_tcp(proc_net_tcp, v6)) {
    if (entry.state == sys::k_tcp_listen) {
      listening[entry.inode] = {entry.address, entry.port, entry.loopback};
    }
  }
  return listening;
}

std::vector<Listener> listeners_of(pid_t leader, const std::vector<sys::TcpSocketEntry>& sockets) {
  std::set<unsigned long> held;
  for (const pid_t pid : sys::process_group(leader)) {
    for (const auto& [fd, inode] : sys::socket_descriptors(pid)) {
      held.insert(inode);
    }
  }
  std::vector<Listener> found;
  for (const sys::TcpSocketEntry& entry : sockets) {
    if (entry.state == sys::k_tcp_listen && held.contains(entry.inode)) {
      found.push_back({entry.address, entry.port, entry.loopback});
    }
  }
  return found;
}

}  // namespace bosun::agent::report
