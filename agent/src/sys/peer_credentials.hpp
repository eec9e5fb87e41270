#pragma once
// Who is at the other end of a Unix socket: the kernel's record of the connecting process's
// pid, uid and groups at connect() time (SO_PEERCRED, SO_PEERGROUPS), which it cannot forge.

#include <sys/types.h>

#include <optional>
#include <vector>

namespace bosun::agent::sys {

struct PeerCredentials {
  pid_t pid = 0;
  uid_t uid = 0;
  gid_t gid = 0;
  std::vector<gid_t> groups;  // supplementary groups
};

// nullopt when the kernel does not say (not a Unix socket).
std::optional<PeerCredentials> peer_of(int fd);

}  // namespace bosun::agent::sys
