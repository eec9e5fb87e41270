#include "sys/proc_pids.hpp"

#include <unistd.h>

#include <filesystem>
#include <string>

namespace bosun::agent::sys {

namespace fs = std::filesystem;

std::vector<pid_t> all_pids() {
  std::vector<pid_t> pids;
  std::error_code error;
  for (const auto& entry : fs::directory_iterator("/proc", error)) {
    const std::string name = entry.path().filename().string();
    if (!name.empty() && name.find_first_not_of("0123456789") == std::string::npos) {
      pids.push_back(static_cast<pid_t>(std::stol(name)));
    }
  }
  return pids;
}

std::vector<pid_t> process_group(pid_t leader) {
  std::vector<pid_t> members{leader};
  for (const pid_t pid : all_pids()) {
    if (pid != leader && ::getpgid(pid) == leader) {
      members.push_back(pid);
    }
  }
  return members;
}

std::map<int, unsigned long> socket_descriptors(pid_t pid) {
  std::map<int, unsigned long> sockets;
  std::error_code error;
  for (const auto& entry : fs::directory_iterator("/proc/" + std::to_string(pid) + "/fd", error)) {
    std::error_code unreadable;
    const std::string target = fs::read_symlink(entry.path(), unreadable).string();
    const std::string number = entry.path().filename().string();
    if (target.starts_with("socket:[") && target.ends_with("]") && !number.empty() &&
        number.find_first_not_of("0123456789") == std::string::npos) {
      sockets[std::stoi(number)] = std::stoul(target.substr(8, target.size() - 9));
    }
  }
  return sockets;
}

}  // namespace bosun::agent::sys
