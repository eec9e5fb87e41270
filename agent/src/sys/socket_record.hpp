#pragma once
// ROOT/run/<service>.socket: what a new agent needs to take a service's listening sockets back
// from its running instances: the address, the socket new connections go to, and the order of
// the port's SO_REUSEPORT group, each socket by its inode:
//
//   address 127.0.0.1:8000
//   current 4711
//   order 4711 4712
//
// Agents before steering wrote one line, "4711 127.0.0.1:8000": read as a group of one.

#include <optional>
#include <string>
#include <vector>

namespace bosun::agent::sys {

struct SocketRecord {
  std::string address;
  unsigned long current = 0;
  std::vector<unsigned long> order;
};

std::string format_socket_record(const SocketRecord& record);
// nullopt for text that is neither format.
std::optional<SocketRecord> parse_socket_record(const std::string& text);

}  // namespace bosun::agent::sys
