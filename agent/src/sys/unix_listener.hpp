#pragma once
// The agent's Unix-socket listeners (the API, the session socket): one way to name, bind and
// open them.

#include <sys/un.h>

#include <sys/types.h>

#include <optional>
#include <string>

namespace bosun::agent::sys {

// Throws std::runtime_error when `path` does not fit a socket address.
sockaddr_un unix_address(const std::string& path);

// A listening socket at `path`: mode 0600 (the agent's user), or 0660 and owned by `group`
// when one is given. The caller removes a stale file first. Throws std::runtime_error naming
// the path and why.
int listen_unix(const std::string& path, int backlog, std::optional<gid_t> group = std::nullopt);

}  // namespace bosun::agent::sys
