#pragma once
// Test support: a host whose agent is a script. FakeAgentTransport speaks the agent session
// protocol (bosun/common/session_protocol.hpp) like `bosun-agent session` does, answering each
// request from a FakeAgent: what its releases are, whether its lock is free, how a deploy or a
// rollback there ends. Every request is logged as "HOST: ARGS..." so a test reads which hosts
// were asked what, in which order. No SSH, no process.

#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "bosun/common/run_protocol.hpp"
#include "controller_namespaces.hpp"
#include "host/host_session.hpp"
#include "transport/transport.hpp"

namespace bosun::test {

// What the agent of one fake host does.
struct FakeAgent {
  bool reachable = true;
  std::string live_release = "20261201T000001Z-aaaa";
  std::string live_commit = "aaaa";
  std::string lock_holder;  // non-empty: the lock is held by someone else
  RunResult deploy = RunResult::succeeded;
  RunResult rollback = RunResult::succeeded;
};

// The requests every fake host received, in order (threads of a fleet run append to it).
class RequestLog {
 public:
  void add(const std::string& line);
  std::vector<std::string> lines() const;
  // The lines of `host` whose request starts with `command` ("deploy", "lock release").
  std::vector<std::string> of(const std::string& host, const std::string& command) const;

 private:
  mutable std::mutex m_mutex;
  std::vector<std::string> m_lines;
};

class FakeAgentTransport final : public controller::Transport {
 public:
  FakeAgentTransport(std::string host, FakeAgent agent, std::shared_ptr<RequestLog> log);
  void connect() override;
  std::unique_ptr<controller::RemoteCommand> start(const std::vector<std::string>& argv) override;
  void upload(const std::string& content, const std::string& remote_path, int mode) override;
  std::string describe() const override { return "fake " + m_host; }

 private:
  std::string m_host;
  FakeAgent m_agent;
  std::shared_ptr<RequestLog> m_log;
};

// A host session over a fake agent, named `host`.
controller::HostSession fake_host(const std::string& host, FakeAgent agent,
                                  std::shared_ptr<RequestLog> log);

}  // namespace bosun::test
