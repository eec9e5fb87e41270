#pragma once
// One host as the controller works with it: its transport (one SSH session for every step,
// or local), and the bosun-agent client commands run there, all over one `bosun-agent
// session` (AgentChannel) opened on first use — the running agent's session socket through
// the SSH connection, else the command on an exec channel — and kept until
// end_agent_session(). Agent events (JSON lines) are parsed as they stream back.

#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "bosun/common/run_protocol.hpp"

#include "host/agent_channel.hpp"
#include "host/host_target.hpp"
#include "transport/transport.hpp"

namespace bosun::controller::host {

struct AgentEvent {
  RunEventType type = RunEventType::note;
  std::string step;
  std::string outcome;
  std::string message;
  std::int64_t duration_ms = 0;
  std::vector<std::string> evidence;
  std::string restored_backup;  // run-finished: the database restore it ended with, if any
  std::string json;             // the line as the agent printed it
};

class HostSession {
 public:
  // `local_agent` is the bosun-agent next to this bosun, used for local hosts that have no
  // agent installed under their root yet.
  HostSession(HostTarget target, std::string local_agent);
  // Over a transport of the caller's (a fake in the unit tests).
  HostSession(HostTarget target, std::unique_ptr<transport::Transport> transport);

  const HostTarget& target() const { return m_target; }
  const std::string& name() const { return m_target.name; }
  transport::Transport& transport();
  // Connects now (SSH), so that unknown hosts and bad keys show before anything changes.
  // Throws std::runtime_error (SshError over SSH).
  void connect();
  // connect() without the exception: empty when connected, else why not.
  std::string try_connect();

  // Runs `bosun-agent SUBCOMMAND --root ROOT ARGS...` there, in the host's agent session.
  transport::RemoteResult agent(const std::string& subcommand, const std::vector<std::string>& args,
                                const transport::LineSink& on_line,
                                std::chrono::milliseconds timeout);
  transport::RemoteResult agent_capture(const std::string& subcommand,
                                        const std::vector<std::string>& args,
                                        std::chrono::milliseconds timeout);
  // A deploy or rollback command with --json: events go to `on_event`; returns the exit code
  // and the final event (type run-finished) when one came.
  transport::RemoteResult agent_run(const std::string& subcommand,
                                    const std::vector<std::string>& args,
                                    const std::function<void(const AgentEvent&)>& on_event,
                                    AgentEvent& finished, std::chrono::milliseconds timeout);
  // Ends the agent session (the next agent command opens a new one).
  void end_agent_session();

 private:
  std::string agent_path();
  std::unique_ptr<transport::RemoteCommand> open_agent_session();

  HostTarget m_target;
  std::string m_local_agent;
  std::unique_ptr<transport::Transport> m_transport;
  std::unique_ptr<AgentChannel> m_agent;  // after m_transport: closed before it goes
};

// Parses one JSON-lines event; false for lines that are not events.
bool parse_agent_event(std::string_view line, AgentEvent& event);

// The bosun-agent binary beside the running bosun (installed side by side, or the build tree).
std::string sibling_agent_binary();

}  // namespace bosun::controller::host
