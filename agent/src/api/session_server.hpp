#pragma once
// The daemon's session socket (ROOT/session.sock): each connection is a `bosun-agent session`
// served by the daemon itself. The controller reaches it through the SSH connection
// (a direct-streamlocal channel), so a run costs the host no login shell and no process at
// all; `bosun-agent session` over an exec channel stays the fallback.

#include <memory>
#include <string>

#include "api/access_policy.hpp"
#include "cli/session_cli.hpp"

namespace bosun::agent::api {

class SessionServer {
 public:
  // `root`: the agent's own; a request naming another is refused. `access`: who may connect,
  // and whether a peer's requests go through the group's allow-list.
  SessionServer(std::string socket_path, cli::SubcommandRunner run_subcommand,
                std::string root = "", AccessPolicy access = owner_only_policy());
  ~SessionServer();  // stop()
  SessionServer(const SessionServer&) = delete;
  SessionServer& operator=(const SessionServer&) = delete;

  // Binds the socket (mode 0600, or 0660 for the access's group; a stale file is replaced).
  // Throws std::runtime_error.
  void start();
  // Closes the socket and every connection, and waits for their commands to notice.
  void stop();

 private:
  struct Impl;
  std::unique_ptr<Impl> m_impl;
};

}  // namespace bosun::agent::api
