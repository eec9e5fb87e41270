#pragma once
// Test support: a real bosun-agent on a temporary root, with helpers to read its status and
// journal through its Unix-socket API and to run its client commands.

#include <map>
#include <memory>
#include <string>
#include <vector>

#include <Poco/JSON/Object.h>

#include "child_process.hpp"

namespace bosun::test {

struct CliRun {
  int code = -1;
  std::string output;
};

class AgentSandbox {
 public:
  AgentSandbox();
  // Stops the services through the agent, or, if the agent is gone, kills the process
  // groups recorded under run/ (only what this sandbox's agent started).
  ~AgentSandbox();

  const std::string& root() const { return m_dir.path(); }
  std::string socket() const { return root() + "/agent.sock"; }
  std::string manifest_path() const { return root() + "/app.yaml"; }
  void write_manifest(const std::string& yaml) const;
  void write_env_file(const std::string& text) const;

  // Starts `bosun-agent run --root ROOT` with `run_args` (default: -c app.yaml) and waits
  // until its API answers.
  void start_agent(const std::vector<std::string>& run_args = {});
  // "NAME=value" entries the agent is started with besides HOME and LANG (DOCKER_HOST...).
  std::vector<std::string> agent_env;
  ChildProcess& agent() { return *m_agent; }
  // SIGKILLs the agent (services keep running).
  void kill_agent();

  Poco::JSON::Object::Ptr status();
  Poco::JSON::Object::Ptr service(const std::string& name);
  std::string state_of(const std::string& name);
  int pid_of(const std::string& name);
  bool wait_for_state(const std::string& name, const std::string& state,
                      std::chrono::milliseconds timeout);
  // (service, kind, detail) in journal order.
  std::vector<std::map<std::string, std::string>> events();
  // The index of the first event matching service and kind; -1 when absent.
  int event_index(const std::string& service, const std::string& kind);

  CliRun cli(const std::vector<std::string>& args,
             std::chrono::milliseconds timeout = std::chrono::seconds(30)) const;
  // For runs whose length depends on the machine (a deploy that compiles): waits while the
  // command makes progress (its output or a file under ROOT/shared/logs grows), and gives up
  // after `idle` without any, or after `cap` in all.
  CliRun cli_while_progressing(const std::vector<std::string>& args,
                               std::chrono::milliseconds idle = std::chrono::seconds(90),
                               std::chrono::milliseconds cap = std::chrono::minutes(20)) const;

 private:
  TempDir m_dir;
  std::unique_ptr<ChildProcess> m_agent;
  int m_runs = 0;
};

// A shell command line that stays alive as a service: "exec sleep 1000".
inline const char* k_sleeper = "exec sleep 1000";

}  // namespace bosun::test
