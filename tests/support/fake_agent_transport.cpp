#include "fake_agent_transport.hpp"

#include <deque>
#include <stdexcept>

#include <Poco/JSON/Array.h>
#include <Poco/JSON/Parser.h>

#include "bosun/common/session_protocol.hpp"
#include "controller_namespaces.hpp"

namespace bosun::test {

using controller::LineReader;
using controller::LineSink;
using controller::RemoteCommand;
using controller::RemoteResult;

namespace {

struct Reply {
  int exit_code = 0;
  std::vector<std::string> lines;
};

std::string run_finished(RunResult result, const std::string& message) {
  return std::string(R"({"type":"run-finished","outcome":")") + std::string(to_string(result)) +
         R"(","message":")" + message + R"("})";
}

// What `bosun-agent ARGS` prints on a host whose agent is `agent`.
Reply answer(const FakeAgent& agent, const std::vector<std::string>& args) {
  const std::string command = args.empty() ? "" : args.front();
  const std::string sub = args.size() > 1 ? args[1] : "";
  if (command == "releases") {
    return {0,
            {R"({"releases":[{"id":")" + agent.live_release + R"(","commit":")" +
             agent.live_commit + R"(","state":"good","current":true}]})"}};
  }
  if (command == "lock" && sub == "acquire") {
    if (!agent.lock_holder.empty()) {
      return {1, {"locked: held by " + agent.lock_holder}};
    }
    return {0, {"lock acquired"}};
  }
  if (command == "lock") {
    return {0, {"lock released"}};
  }
  if (command == "deploy" || command == "rollback") {
    const RunResult result = command == "deploy" ? agent.deploy : agent.rollback;
    return {result == RunResult::succeeded ? 0 : 1,
            {R"({"type":"run-started","message":")" + command + R"("})",
             run_finished(result, command + " " + std::string(to_string(result)))}};
  }
  return {2, {"unknown command " + command}};
}

std::vector<std::string> parse_request(const std::string& line) {
  Poco::JSON::Parser parser;
  const auto array = parser.parse(line).extract<Poco::JSON::Array::Ptr>();
  std::vector<std::string> args;
  for (std::size_t i = 0; i < array->size(); ++i) {
    args.push_back(array->getElement<std::string>(static_cast<unsigned>(i)));
  }
  return args;
}

// One `bosun-agent session`: each request line is answered at once, in full.
class FakeSession final : public RemoteCommand {
 public:
  FakeSession(std::string host, const FakeAgent& agent, std::shared_ptr<RequestLog> log)
      : m_host(std::move(host)), m_agent(agent), m_log(std::move(log)) {}

  bool send(std::string_view text) override {
    m_pending.append(text);
    for (std::size_t end = m_pending.find('\n'); end != std::string::npos;
         end = m_pending.find('\n')) {
      const std::vector<std::string> args = parse_request(m_pending.substr(0, end));
      m_pending.erase(0, end + 1);
      std::string logged = m_host + ":";
      for (const std::string& arg : args) {
        logged += " " + arg;
      }
      m_log->add(logged);
      const Reply reply = answer(m_agent, args);
      m_output.insert(m_output.end(), reply.lines.begin(), reply.lines.end());
      m_output.push_back(session_done_line(reply.exit_code));
    }
    return true;
  }
  Read read(const LineReader& on_line, std::chrono::milliseconds) override {
    while (!m_output.empty()) {
      const std::string line = m_output.front();
      m_output.pop_front();
      if (on_line(line)) {
        return Read::stopped;
      }
    }
    return Read::ended;
  }
  RemoteResult finish(const LineSink& on_line, std::chrono::milliseconds) override {
    for (const std::string& line : m_output) {
      on_line(line);
    }
    m_output.clear();
    return {0, "", ""};
  }
  std::string error() const override { return ""; }

 private:
  std::string m_host;
  FakeAgent m_agent;
  std::shared_ptr<RequestLog> m_log;
  std::string m_pending;
  std::deque<std::string> m_output;
};

}  // namespace

void RequestLog::add(const std::string& line) {
  std::lock_guard lock(m_mutex);
  m_lines.push_back(line);
}

std::vector<std::string> RequestLog::lines() const {
  std::lock_guard lock(m_mutex);
  return m_lines;
}

std::vector<std::string> RequestLog::of(const std::string& host, const std::string& command) const {
  std::vector<std::string> found;
  for (const std::string& line : lines()) {
    if (line.starts_with(host + ": " + command)) {
      found.push_back(line);
    }
  }
  return found;
}

FakeAgentTransport::FakeAgentTransport(std::string host, FakeAgent agent,
                                       std::shared_ptr<RequestLog> log)
    : m_host(std::move(host)), m_agent(std::move(agent)), m_log(std::move(log)) {}

void FakeAgentTransport::connect() {
  if (!m_agent.reachable) {
    throw std::runtime_error("cannot connect to " + m_host + ": connection refused");
  }
}

std::unique_ptr<RemoteCommand> FakeAgentTransport::start(const std::vector<std::string>&) {
  return std::make_unique<FakeSession>(m_host, m_agent, m_log);
}

void FakeAgentTransport::upload(const std::string&, const std::string& remote_path, int) {
  m_log->add(m_host + ": upload " + remote_path);
}

controller::HostSession fake_host(const std::string& host, FakeAgent agent,
                                  std::shared_ptr<RequestLog> log) {
  controller::HostTarget target;
  target.name = host;
  target.address = host;
  target.root = "/srv/shop";
  target.agent = "/srv/shop/bin/bosun-agent";
  return controller::HostSession(
      target, std::make_unique<FakeAgentTransport>(host, std::move(agent), std::move(log)));
}

}  // namespace bosun::test
