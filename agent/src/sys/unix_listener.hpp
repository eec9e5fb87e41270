#pragma once
// The agent's Unix-socket listeners (the API, the session socket): one way to name, bind and
// open them.

#include <sys/un.h>

#include <string>

namespace bosun::agent::sys {

// Throws std::runtime_error when `path` does not fit a socket address.
sockaddr_un unix_address(const std::string& path);

// A listening socket at `path` (mode 0660: the agent's user and group). The caller removes a
// stale file first. Throws std::runtime_error naming the path and why.
int listen_unix(const std::string& path, int backlog);

}  // namespace bosun::agent::sys
