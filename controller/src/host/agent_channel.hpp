#pragma once
// The `bosun-agent session` on one host: every agent command of a run goes over it, so a
// host costs one SSH exec (and one login shell) per run however many commands the run sends:
// lock and probe, wait for its batch, deploy, maybe roll back, unlock. The wire format is in
// bosun/common/session_protocol.hpp.

#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "transport/transport.hpp"

namespace bosun::controller::host {

class AgentChannel {
 public:
  explicit AgentChannel(std::unique_ptr<transport::RemoteCommand> session);
  ~AgentChannel();
  AgentChannel(const AgentChannel&) = delete;
  AgentChannel& operator=(const AgentChannel&) = delete;

  // Runs one agent command (its arguments, without the binary) and streams its output.
  // exit_code is the command's; -1 with `error` when the session broke, ended or timed out,
  // after which the channel is no longer usable.
  transport::RemoteResult call(const std::vector<std::string>& args,
                               const transport::LineSink& on_line,
                               std::chrono::milliseconds timeout);
  bool usable() const { return m_usable; }
  // Ends the session: closes its stdin and waits (up to `timeout`) for it to exit.
  void close(std::chrono::milliseconds timeout);

 private:
  std::unique_ptr<transport::RemoteCommand> m_session;
  bool m_usable = true;
};

}  // namespace bosun::controller::host
