#include "sys/socket_record.hpp"

#include <sstream>

namespace bosun::agent::sys {

std::string format_socket_record(const SocketRecord& record) {
  std::string text =
      "address " + record.address + "\ncurrent " + std::to_string(record.current) + "\norder";
  for (const unsigned long inode : record.order) {
    text += " " + std::to_string(inode);
  }
  return text + "\n";
}

std::optional<SocketRecord> parse_socket_record(const std::string& text) {
  std::istringstream in(text);
  std::string first;
  if (!(in >> first)) {
    return std::nullopt;
  }
  SocketRecord record;
  if (first != "address") {  // the one-line format: "inode address"
    std::istringstream old(text);
    if (!(old >> record.current >> record.address) || record.current == 0) {
      return std::nullopt;
    }
    record.order = {record.current};
    return record;
  }
  std::string key;
  if (!(in >> record.address >> key) || key != "current" || !(in >> record.current) ||
      !(in >> key) || key != "order") {
    return std::nullopt;
  }
  for (unsigned long inode = 0; in >> inode;) {
    record.order.push_back(inode);
  }
  if (!in.eof() || record.order.empty()) {
    return std::nullopt;
  }
  return record;
}

}  // namespace bosun::agent::sys
