#include "host/host_session.hpp"

#include <unistd.h>

#include <filesystem>

#include <Poco/JSON/Array.h>
#include <Poco/JSON/Object.h>
#include <Poco/JSON/Parser.h>

#include "transport/ssh_transport.hpp"

namespace bosun::controller::host {

namespace fs = std::filesystem;

HostSession::HostSession(HostTarget target, std::string local_agent)
    : m_target(std::move(target)), m_local_agent(std::move(local_agent)) {}

transport::Transport& HostSession::transport() {
  if (!m_transport) {
    if (m_target.local) {
      m_transport = std::make_unique<transport::LocalTransport>();
    } else {
      m_transport = std::make_unique<transport::SshTransport>(m_target.ssh);
    }
  }
  return *m_transport;
}

HostSession::HostSession(HostTarget target, std::unique_ptr<transport::Transport> transport)
    : m_target(std::move(target)), m_transport(std::move(transport)) {}

void HostSession::connect() {
  transport().connect();
}

std::string HostSession::try_connect() {
  try {
    connect();
    return "";
  } catch (const std::runtime_error& error) {
    return error.what();
  }
}

std::string HostSession::agent_path() {
  if (m_target.local && !fs::exists(m_target.agent) && !m_local_agent.empty()) {
    return m_local_agent;
  }
  return m_target.agent;
}

transport::RemoteResult HostSession::agent(const std::string& subcommand,
                                           const std::vector<std::string>& args,
                                           const transport::LineSink& on_line,
                                           std::chrono::milliseconds timeout) {
  if (!m_agent || !m_agent->usable()) {
    m_agent = std::make_unique<AgentChannel>(open_agent_session());
  }
  std::vector<std::string> argv;
  for (std::size_t start = 0; start <= subcommand.size();) {  // "lock acquire" is two words
    const std::size_t space = std::min(subcommand.find(' ', start), subcommand.size());
    argv.push_back(subcommand.substr(start, space - start));
    start = space + 1;
  }
  argv.insert(argv.end(), {"--root", m_target.root});
  argv.insert(argv.end(), args.begin(), args.end());
  return m_agent->call(argv, on_line, timeout);
}

transport::RemoteResult HostSession::agent_capture(const std::string& subcommand,
                                                   const std::vector<std::string>& args,
                                                   std::chrono::milliseconds timeout) {
  std::string output;
  transport::RemoteResult result = agent(subcommand, args, transport::append_to(output), timeout);
  result.output = std::move(output);
  return result;
}

std::unique_ptr<transport::RemoteCommand> HostSession::open_agent_session() {
  // The running agent's own session socket first: no login shell, no process on the host.
  // Without a running agent (setup, a stopped agent) or where sshd refuses Unix-socket
  // forwarding, `bosun-agent session` on an exec channel.
  if (auto socket = transport().connect_unix(m_target.root + "/session.sock");
      socket && socket->error().empty()) {
    return socket;
  }
  return transport().start({agent_path(), "session"});
}

void HostSession::end_agent_session() {
  if (m_agent) {
    m_agent->close(std::chrono::milliseconds(5000));
    m_agent.reset();
  }
}

transport::RemoteResult HostSession::agent_run(
    const std::string& subcommand, const std::vector<std::string>& args,
    const std::function<void(const AgentEvent&)>& on_event, AgentEvent& finished,
    std::chrono::milliseconds timeout) {
  std::string other;
  transport::RemoteResult result = agent(
      subcommand, args,
      [&](std::string_view line) {
        AgentEvent event;
        if (!parse_agent_event(line, event)) {
          other.append(line);
          other.push_back('\n');
          return;
        }
        if (event.type == RunEventType::run_finished) {
          finished = event;
        }
        on_event(event);
      },
      timeout);
  result.output = std::move(other);
  return result;
}

bool parse_agent_event(std::string_view line, AgentEvent& event) {
  if (!line.starts_with("{")) {
    return false;
  }
  try {
    Poco::JSON::Parser parser;
    const auto object = parser.parse(std::string(line)).extract<Poco::JSON::Object::Ptr>();
    const auto type = parse_run_event_type(object->optValue<std::string>("type", ""));
    if (!type) {
      return false;  // not an event of a run
    }
    event.type = *type;
    event.step = object->optValue<std::string>("step", "");
    event.outcome = object->optValue<std::string>("outcome", "");
    event.message = object->optValue<std::string>("message", "");
    event.duration_ms = object->optValue<std::int64_t>("duration_ms", 0);
    event.restored_backup = object->optValue<std::string>("restored_backup", "");
    if (const auto evidence = object->getArray("evidence")) {
      for (std::size_t i = 0; i < evidence->size(); ++i) {
        event.evidence.push_back(evidence->getElement<std::string>(static_cast<unsigned>(i)));
      }
    }
    event.json = std::string(line);
    return true;
  } catch (const std::exception&) {
    return false;
  }
}

std::string sibling_agent_binary() {
  std::error_code error;
  const fs::path self = fs::read_symlink("/proc/self/exe", error);
  if (error) {
    return "";
  }
  for (const fs::path& candidate : {self.parent_path() / "bosun-agent",
                                    self.parent_path().parent_path() / "agent" / "bosun-agent"}) {
    if (fs::exists(candidate)) {
      return candidate.string();
    }
  }
  return "";
}

}  // namespace bosun::controller::host
