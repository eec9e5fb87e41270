#pragma once
// The daemon's session socket (ROOT/session.sock): each connection is a `bosun-agent session`
// served by the daemon itself. The controller reaches it through the SSH connection
// (a direct-streamlocal channel), so a run costs the host no login shell and no process at
// all; `bosun-agent session` over an exec channel stays the fallback.

#include <memory>
#include <string>

#include "cli/session_cli.hpp"

namespace bosun::agent::api {

class SessionServer {
 public:
  SessionServer(std::string socket_path, cli::SubcommandRunner run_subcommand);
  ~SessionServer();  // stop()
  SessionServer(const SessionServer&) = delete;
  SessionServer& operator=(const SessionServer&) = delete;

  // Binds the socket (mode 0660; a stale file is replaced). Throws std::runtime_error.
  void start();
  // Closes the socket and every connection, and waits for their commands to notice.
  void stop();

 private:
  struct Impl;
  std::unique_ptr<Impl> m_impl;
};

}  // namespace bosun::agent::api
