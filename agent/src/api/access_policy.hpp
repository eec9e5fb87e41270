#pragma once
// Who may drive the agent through its sockets, and how far (docs/SECURITY.md). Pure: the
// servers get the peer's credentials from the kernel (sys::peer_of) and ask here.
//
// - root and the agent's own user: everything (they could do as much on the host anyway);
// - members of the group given with `bosun-agent run --api-group NAME` (the sockets are then
//   0660 and that group's): the commands a deployer needs, with the repository, manifest,
//   playbook and every path taken from the agent's own configuration, never from the client;
// - anyone else: refused (the sockets are 0600 without --api-group).

#include <sys/types.h>

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "sys/peer_credentials.hpp"

namespace bosun::agent::api {

enum class PeerAccess { full, limited, refused };

struct AccessPolicy {
  uid_t agent_uid = 0;
  std::optional<gid_t> group;
  std::string group_name;

  PeerAccess access_of(const sys::PeerCredentials& peer) const;
  // Why `peer` may not connect at all, for the reply it gets.
  std::string refusal(const sys::PeerCredentials& peer) const;
};

// Root and the agent's own user only.
AccessPolicy owner_only_policy();

// A request line on the session socket, for any peer: "" when it may run, else why not.
// `root` is the agent's own: a --root naming another is refused for everyone.
std::string session_refusal(const std::vector<std::string>& args, PeerAccess access,
                            const std::string& root);

// An API request of a limited peer: "" when it may be served, else why not.
std::string limited_api_refusal(const std::string& method, const std::string& path,
                                const std::map<std::string, std::string>& query);

}  // namespace bosun::agent::api
