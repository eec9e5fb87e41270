#include "sys/listen_sockets.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <map>
#include <optional>
#include <stdexcept>
#include <vector>

#include "bosun/common/text_file.hpp"
#include "bosun/common/unique_fd.hpp"
#include "sys/proc_pids.hpp"

namespace bosun::agent::sys {
namespace {

namespace fs = std::filesystem;

std::string errno_text() {
  return std::strerror(errno);
}

// A bound, listening socket for `listen`; throws naming the address.
UniqueFd bind_listener(const manifest::ListenSpec& listen) {
  sockaddr_storage address{};
  socklen_t length = 0;
  auto* v4 = reinterpret_cast<sockaddr_in*>(&address);
  auto* v6 = reinterpret_cast<sockaddr_in6*>(&address);
  if (::inet_pton(AF_INET, listen.host.c_str(), &v4->sin_addr) == 1) {
    v4->sin_family = AF_INET;
    v4->sin_port = htons(listen.port);
    length = sizeof(sockaddr_in);
  } else if (::inet_pton(AF_INET6, listen.host.c_str(), &v6->sin6_addr) == 1) {
    v6->sin6_family = AF_INET6;
    v6->sin6_port = htons(listen.port);
    length = sizeof(sockaddr_in6);
  } else {
    throw std::runtime_error("cannot listen on " + listen.address() + ": not an IP address");
  }
  UniqueFd fd(::socket(address.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0));
  const int on = 1;
  if (!fd.valid() || ::setsockopt(fd.get(), SOL_SOCKET, SO_REUSEADDR, &on, sizeof on) != 0) {
    throw std::runtime_error("cannot make a socket for " + listen.address() + ": " + errno_text());
  }
  if (::bind(fd.get(), reinterpret_cast<const sockaddr*>(&address), length) != 0) {
    const bool taken = errno == EADDRINUSE;
    throw std::runtime_error("cannot bind " + listen.address() + ": " + errno_text() +
                             (taken ? " (another process holds the port: ss -ltnp 'sport = :" +
                                          std::to_string(listen.port) + "' names it)"
                                    : ""));
  }
  if (::listen(fd.get(), listen.backlog) != 0) {
    throw std::runtime_error("cannot listen on " + listen.address() + ": " + errno_text());
  }
  return fd;
}

std::optional<ino_t> inode_of(int fd) {
  struct stat info {};
  if (::fstat(fd, &info) != 0) {
    return std::nullopt;
  }
  return info.st_ino;
}

// A copy of descriptor `target` of `pid`, or -1 with errno set.
int copy_descriptor(pid_t pid, int target) {
  const UniqueFd pidfd(static_cast<int>(::syscall(SYS_pidfd_open, pid, 0)));
  if (!pidfd.valid()) {
    return -1;
  }
  return static_cast<int>(::syscall(SYS_pidfd_getfd, pidfd.get(), target, 0));
}

bool is_listening(int fd) {
  int accepting = 0;
  socklen_t size = sizeof accepting;
  return ::getsockopt(fd, SOL_SOCKET, SO_ACCEPTCONN, &accepting, &size) == 0 && accepting != 0;
}

struct Record {
  ino_t inode = 0;
  std::string address;
};

class SystemListenSockets final : public ListenSockets {
 public:
  explicit SystemListenSockets(fs::path run_dir) : m_run_dir(std::move(run_dir)) {}

  int acquire(const std::string& service, const manifest::ListenSpec& listen) override {
    const auto held = m_held.find(service);
    if (held != m_held.end() && held->second.listen.address() == listen.address()) {
      if (held->second.listen.backlog != listen.backlog) {
        ::listen(held->second.fd.get(), listen.backlog);  // a new backlog, the same queue
        held->second.listen.backlog = listen.backlog;
      }
      return held->second.fd.get();
    }
    UniqueFd fd = bind_listener(listen);  // the old one stays held if this throws
    save_record(service, {inode_of(fd.get()).value_or(0), listen.address()});
    Held& slot = m_held[service];
    slot.fd = std::move(fd);
    slot.listen = listen;
    return slot.fd.get();
  }

  std::string recover(const std::string& service, const manifest::ListenSpec& listen,
                      pid_t pid) override {
    const auto record = load_record(service);
    if (!record) {
      return "no record of its socket in " + record_path(service).string();
    }
    if (record->address != listen.address()) {
      return "the socket recorded is for " + record->address + ", not " + listen.address();
    }
    std::string refused;
    for (const pid_t member : process_group(pid)) {
      for (const auto& [target, inode] : socket_descriptors(member)) {
        if (inode != record->inode) {
          continue;
        }
        UniqueFd copy(copy_descriptor(member, target));
        if (!copy.valid()) {
          refused = "pidfd_getfd on pid " + std::to_string(member) + ": " + errno_text();
          continue;
        }
        if (!is_listening(copy.get())) {
          continue;
        }
        Held& slot = m_held[service];
        slot.fd = std::move(copy);
        slot.listen = listen;
        return "";
      }
    }
    return refused.empty() ? "pid " + std::to_string(pid) + " and its group hold no copy of it"
                           : refused;
  }

  void release(const std::string& service) override {
    m_held.erase(service);
    std::error_code ignored;
    fs::remove(record_path(service), ignored);
  }

 private:
  struct Held {
    UniqueFd fd;
    manifest::ListenSpec listen;
  };

  fs::path record_path(const std::string& service) const {
    return m_run_dir / (service + ".socket");
  }

  void save_record(const std::string& service, const Record& record) const {
    write_text_file_atomically(record_path(service).string(),
                               std::to_string(record.inode) + " " + record.address + "\n");
  }

  std::optional<Record> load_record(const std::string& service) const {
    std::ifstream in(record_path(service));
    Record record;
    if (!(in >> record.inode >> record.address)) {
      return std::nullopt;
    }
    return record;
  }

  fs::path m_run_dir;
  std::map<std::string, Held> m_held;
};

}  // namespace

std::unique_ptr<ListenSockets> system_listen_sockets(std::filesystem::path run_dir) {
  return std::make_unique<SystemListenSockets>(std::move(run_dir));
}

}  // namespace bosun::agent::sys
