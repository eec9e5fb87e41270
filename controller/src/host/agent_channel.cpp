#include "host/agent_channel.hpp"

#include "bosun/common/duration.hpp"
#include "bosun/common/session_protocol.hpp"

namespace bosun::controller::host {

AgentChannel::AgentChannel(std::unique_ptr<transport::RemoteCommand> session)
    : m_session(std::move(session)) {}

AgentChannel::~AgentChannel() {
  if (m_usable) {
    close(std::chrono::milliseconds(5000));
  }
}

transport::RemoteResult AgentChannel::call(const std::vector<std::string>& args,
                                           const transport::LineSink& on_line,
                                           std::chrono::milliseconds timeout) {
  transport::RemoteResult result;
  if (!m_usable) {
    result.error = "the agent session has ended";
    return result;
  }
  int exit_code = -1;
  const auto until_done = [&](std::string_view line) {
    if (parse_session_done(std::string(line), exit_code)) {
      return true;
    }
    on_line(session_output_line(line));  // framed by the agent: see session_protocol.hpp
    return false;
  };
  // A session that already ended refuses the request: how it ended is read below.
  const bool sent = m_session->send(session_request_line(args) + "\n");
  const transport::RemoteCommand::Read how =
      sent ? m_session->read(until_done, timeout) : transport::RemoteCommand::Read::ended;
  if (how == transport::RemoteCommand::Read::stopped) {
    result.exit_code = exit_code;
    return result;
  }
  m_usable = false;
  if (how == transport::RemoteCommand::Read::timed_out) {
    result.error = "no answer within " + format_duration(timeout);
  } else if (how == transport::RemoteCommand::Read::lost) {
    result.error = m_session->error();
  } else {
    // The session itself ended: an agent too old to have one, or no agent at all.
    const transport::RemoteResult ended =
        m_session->finish(on_line, std::chrono::milliseconds(5000));
    result.error = !ended.error.empty() ? ended.error
                   : ended.exit_code == 127
                       // the shell found no such program
                       ? std::string("no bosun-agent on the host (run `bosun setup` first)")
                       : "the agent session ended (exit " + std::to_string(ended.exit_code) + ")";
  }
  return result;
}

void AgentChannel::close(std::chrono::milliseconds timeout) {
  if (m_usable) {
    m_usable = false;
    m_session->finish([](std::string_view) {}, timeout);
  }
}

}  // namespace bosun::controller::host
