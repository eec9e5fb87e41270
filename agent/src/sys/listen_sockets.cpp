#include "sys/listen_sockets.hpp"

#include <arpa/inet.h>
#include <linux/filter.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <map>
#include <optional>
#include <set>
#include <stdexcept>

#include "bosun/common/text_file.hpp"
#include "bosun/common/unique_fd.hpp"
#include "sys/proc_net_tcp.hpp"
#include "sys/proc_pids.hpp"
#include "sys/reuseport_order.hpp"
#include "sys/socket_record.hpp"

namespace bosun::agent::sys {
namespace {

namespace fs = std::filesystem;

std::string errno_text() {
  return std::strerror(errno);
}

struct SocketAddress {
  sockaddr_storage storage{};
  socklen_t length = 0;
};

SocketAddress parse_address(const manifest::ListenSpec& listen) {
  SocketAddress address;
  auto* v4 = reinterpret_cast<sockaddr_in*>(&address.storage);
  auto* v6 = reinterpret_cast<sockaddr_in6*>(&address.storage);
  if (::inet_pton(AF_INET, listen.host.c_str(), &v4->sin_addr) == 1) {
    v4->sin_family = AF_INET;
    v4->sin_port = htons(listen.port);
    address.length = sizeof(sockaddr_in);
  } else if (::inet_pton(AF_INET6, listen.host.c_str(), &v6->sin6_addr) == 1) {
    v6->sin6_family = AF_INET6;
    v6->sin6_port = htons(listen.port);
    address.length = sizeof(sockaddr_in6);
  } else {
    throw std::runtime_error("cannot listen on " + listen.address() + ": not an IP address");
  }
  return address;
}

std::runtime_error port_taken(const manifest::ListenSpec& listen, const std::string& cause) {
  return std::runtime_error("cannot bind " + listen.address() + ": " + cause +
                            " (another process holds the port: ss -ltnp 'sport = :" +
                            std::to_string(listen.port) + "' names it)");
}

// A bound, listening socket for `listen`, open to more members of its SO_REUSEPORT group (each
// bound by this agent: the kernel admits only sockets of the same user); throws naming the
// address.
UniqueFd bind_listener(const manifest::ListenSpec& listen) {
  const SocketAddress address = parse_address(listen);
  UniqueFd fd(::socket(address.storage.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0));
  const int on = 1;
  if (!fd.valid() || ::setsockopt(fd.get(), SOL_SOCKET, SO_REUSEADDR, &on, sizeof on) != 0 ||
      ::setsockopt(fd.get(), SOL_SOCKET, SO_REUSEPORT, &on, sizeof on) != 0) {
    throw std::runtime_error("cannot make a socket for " + listen.address() + ": " + errno_text());
  }
  if (::bind(fd.get(), reinterpret_cast<const sockaddr*>(&address.storage), address.length) != 0) {
    if (errno == EADDRINUSE) {
      throw port_taken(listen, errno_text());
    }
    throw std::runtime_error("cannot bind " + listen.address() + ": " + errno_text());
  }
  if (::listen(fd.get(), listen.backlog) != 0) {
    throw std::runtime_error("cannot listen on " + listen.address() + ": " + errno_text());
  }
  return fd;
}

unsigned long inode_of(int fd) {
  struct stat info {};
  return ::fstat(fd, &info) == 0 ? static_cast<unsigned long>(info.st_ino) : 0;
}

// The inodes of every socket listening on `port`, any address.
std::set<unsigned long> listeners_on(std::uint16_t port) {
  std::set<unsigned long> inodes;
  for (const TcpSocketEntry& entry : tcp_sockets()) {
    if (entry.port == port && entry.state == k_tcp_listen) {
      inodes.insert(entry.inode);
    }
  }
  return inodes;
}

// A copy of descriptor `target` of `pid`, or -1 with errno set.
int copy_descriptor(pid_t pid, int target) {
  const UniqueFd pidfd(static_cast<int>(::syscall(SYS_pidfd_open, pid, 0)));
  if (!pidfd.valid()) {
    return -1;
  }
  return static_cast<int>(::syscall(SYS_pidfd_getfd, pidfd.get(), target, 0));
}

bool socket_flag(int fd, int option) {
  int value = 0;
  socklen_t size = sizeof value;
  return ::getsockopt(fd, SOL_SOCKET, option, &value, &size) == 0 && value != 0;
}

// Every new connection of the group `fd` belongs to goes to the member at `index`.
bool attach_steering(int fd, std::size_t index) {
  sock_filter program[] = {{BPF_RET | BPF_K, 0, 0, static_cast<std::uint32_t>(index)}};
  const sock_fprog filter{1, program};
  return ::setsockopt(fd, SOL_SOCKET, SO_ATTACH_REUSEPORT_CBPF, &filter, sizeof filter) == 0;
}

// One service's sockets: the agent's copy of each, the group's order and where new
// connections go.
struct Group {
  manifest::ListenSpec listen;
  std::map<unsigned long, UniqueFd> held;  // by inode
  ReuseportOrder order;
  unsigned long current = 0;

  int fd_of(unsigned long inode) const {
    const auto it = held.find(inode);
    return it == held.end() ? -1 : it->second.get();
  }
};

class SystemListenSockets final : public ListenSockets {
 public:
  explicit SystemListenSockets(fs::path run_dir) : m_run_dir(std::move(run_dir)) {}

  Listener acquire(const std::string& service, const manifest::ListenSpec& listen,
                   unsigned long own, bool beside_running) override {
    auto it = m_groups.find(service);
    if (it != m_groups.end() && (it->second.listen.address() != listen.address() ||
                                 it->second.fd_of(it->second.current) < 0)) {
      it = m_groups.end();  // another address: the old instances keep their copies
    }
    if (it == m_groups.end()) {
      // SO_REUSEPORT would let this socket join one that an instance still holds (a copy
      // not taken back after an agent restart): it waits until that instance lets go.
      if (!listeners_on(listen.port).empty()) {
        throw port_taken(listen, "a socket listens there already");
      }
      Group fresh;
      fresh.listen = listen;
      UniqueFd fd = bind_listener(listen);  // what was held stays if this throws
      fresh.current = inode_of(fd.get());
      fresh.order.joined(fresh.current);
      fresh.held.emplace(fresh.current, std::move(fd));
      m_groups.insert_or_assign(service, std::move(fresh));
      it = m_groups.find(service);
      save_record(service, it->second);
      return {it->second.fd_of(it->second.current), it->second.current, ""};
    }
    Group& group = it->second;
    const int current_fd = group.fd_of(group.current);
    if (group.listen.backlog != listen.backlog) {
      ::listen(current_fd, listen.backlog);  // a new backlog, the same queue
      group.listen.backlog = listen.backlog;
    }
    if (own != 0 && group.fd_of(own) >= 0) {
      return {group.fd_of(own), own, ""};
    }
    if (!beside_running) {
      return {current_fd, group.current, ""};
    }
    const std::string unsteerable = why_unsteerable(group);
    if (!unsteerable.empty()) {
      return {current_fd, group.current, unsteerable};
    }
    // Steered to the current socket before the new one joins the group at its listen().
    if (!attach_steering(current_fd, *group.order.index_of(group.current))) {
      return {current_fd, group.current, "SO_ATTACH_REUSEPORT_CBPF: " + errno_text()};
    }
    UniqueFd fd;
    try {
      fd = bind_listener(listen);
    } catch (const std::exception& error) {
      return {current_fd, group.current, std::string("no second socket: ") + error.what()};
    }
    const unsigned long inode = inode_of(fd.get());
    group.order.joined(inode);
    group.held.emplace(inode, std::move(fd));
    save_record(service, group);
    return {group.fd_of(inode), inode, ""};
  }

  std::string steer_to(const std::string& service, unsigned long id) override {
    Group* group = find(service);
    const int fd = group ? group->fd_of(id) : -1;
    const auto index = fd < 0 ? std::nullopt : group->order.index_of(id);
    if (!index) {
      return "the agent holds no socket " + std::to_string(id) + " of " + service;
    }
    if (!attach_steering(fd, *index)) {
      return "SO_ATTACH_REUSEPORT_CBPF: " + errno_text();
    }
    group->current = id;
    save_record(service, *group);
    return "";
  }

  int waiting_connections(const std::string& service, unsigned long id) override {
    Group* group = find(service);
    const int fd = group ? group->fd_of(id) : -1;
    tcp_info info{};
    socklen_t size = sizeof info;
    if (fd < 0 || ::getsockopt(fd, IPPROTO_TCP, TCP_INFO, &info, &size) != 0) {
      return -1;
    }
    return static_cast<int>(info.tcpi_unacked);  // on a listener: its accept queue
  }

  int open_connections(pid_t pid, std::uint16_t port) override {
    std::set<unsigned long> held;
    for (const pid_t member : process_group(pid)) {
      for (const auto& [descriptor, inode] : socket_descriptors(member)) {
        held.insert(inode);
      }
    }
    int open = 0;
    for (const TcpSocketEntry& entry : tcp_sockets()) {
      open += entry.port == port && entry.state == k_tcp_established && held.contains(entry.inode);
    }
    return open;
  }

  void let_go(const std::string& service, unsigned long id) override {
    Group* found = find(service);
    if (!found || found->fd_of(id) < 0) {
      return;
    }
    Group& group = *found;
    group.held.erase(id);  // closed: the last member of the group takes its index
    group.order.left(id);
    if (group.current == id) {
      group.current = group.order.members().empty() ? 0 : group.order.members().back();
    }
    const int current_fd = group.fd_of(group.current);
    if (current_fd >= 0 && group.order.members().size() > 1) {
      attach_steering(current_fd, *group.order.index_of(group.current));
    }
    save_record(service, group);
  }

  RecoveredSocket recover(const std::string& service, const manifest::ListenSpec& listen,
                          pid_t pid) override {
    const auto text = read_text_file(record_path(service).string());
    const auto record = text ? parse_socket_record(*text) : std::nullopt;
    if (!record) {
      return {0, "no record of its socket in " + record_path(service).string()};
    }
    if (record->address != listen.address()) {
      return {0, "the socket recorded is for " + record->address + ", not " + listen.address()};
    }
    Group& group = m_groups[service];
    if (group.held.empty()) {
      group.listen = listen;
      group.order = ReuseportOrder(record->order);
      group.current = record->current;
    }
    const std::set<unsigned long> members(record->order.begin(), record->order.end());
    std::string refused;
    for (const pid_t member : process_group(pid)) {
      for (const auto& [target, inode] : socket_descriptors(member)) {
        if (!members.contains(inode)) {
          continue;
        }
        if (group.fd_of(inode) >= 0) {
          return {inode, ""};
        }
        UniqueFd copy(copy_descriptor(member, target));
        if (!copy.valid()) {
          refused = "pidfd_getfd on pid " + std::to_string(member) + ": " + errno_text();
          continue;
        }
        if (!socket_flag(copy.get(), SO_ACCEPTCONN)) {
          continue;
        }
        group.held.emplace(inode, std::move(copy));
        if (group.fd_of(group.current) < 0) {
          group.current = inode;  // the current one's holder is gone: the best known
        }
        return {inode, ""};
      }
    }
    return {0, refused.empty() ? "pid " + std::to_string(pid) + " and its group hold no copy of it"
                               : refused};
  }

  void release(const std::string& service) override {
    m_groups.erase(service);
    std::error_code ignored;
    fs::remove(record_path(service), ignored);
  }

 private:
  // Empty when a new member can be steered with certainty: the agent holds every socket of the
  // group, each open to more members, and no other socket listens on the port.
  static std::string why_unsteerable(Group& group) {
    if (!group.order.reconcile(listeners_on(group.listen.port))) {
      return "sockets on port " + std::to_string(group.listen.port) +
             " that this agent did not make or cannot place in order";
    }
    for (const unsigned long inode : group.order.members()) {
      const int fd = group.fd_of(inode);
      if (fd < 0) {
        return "a socket of the group (inode " + std::to_string(inode) +
               ") was not taken back after the agent's restart";
      }
      if (!socket_flag(fd, SO_REUSEPORT)) {
        return "the socket was bound without SO_REUSEPORT (by an older agent)";
      }
    }
    return "";
  }

  Group* find(const std::string& service) {
    const auto it = m_groups.find(service);
    return it == m_groups.end() ? nullptr : &it->second;
  }

  fs::path record_path(const std::string& service) const {
    return m_run_dir / (service + ".socket");
  }

  void save_record(const std::string& service, const Group& group) const {
    write_text_file_atomically(
        record_path(service).string(),
        format_socket_record({group.listen.address(), group.current, group.order.members()}));
  }

  fs::path m_run_dir;
  std::map<std::string, Group> m_groups;
};

}  // namespace

std::unique_ptr<ListenSockets> system_listen_sockets(std::filesystem::path run_dir) {
  return std::make_unique<SystemListenSockets>(std::move(run_dir));
}

}  // namespace bosun::agent::sys
