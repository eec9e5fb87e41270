#include "sys/peer_credentials.hpp"

#include <sys/socket.h>

#include <cerrno>

namespace bosun::agent::sys {

std::optional<PeerCredentials> peer_of(int fd) {
  ucred credentials{};
  socklen_t size = sizeof credentials;
  if (::getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &credentials, &size) != 0) {
    return std::nullopt;
  }
  PeerCredentials peer{credentials.pid, credentials.uid, credentials.gid, {}};
  std::vector<gid_t> groups(64);
  socklen_t length = static_cast<socklen_t>(groups.size() * sizeof(gid_t));
  if (::getsockopt(fd, SOL_SOCKET, SO_PEERGROUPS, groups.data(), &length) != 0) {
    if (errno == ERANGE) {
      groups.resize(length / sizeof(gid_t));  // the kernel says how much it needs
      length = static_cast<socklen_t>(groups.size() * sizeof(gid_t));
    }
    if (errno != ERANGE ||
        ::getsockopt(fd, SOL_SOCKET, SO_PEERGROUPS, groups.data(), &length) != 0) {
      length = 0;  // no groups known: no membership granted by them
    }
  }
  groups.resize(length / sizeof(gid_t));
  peer.groups = std::move(groups);
  return peer;
}

}  // namespace bosun::agent::sys
