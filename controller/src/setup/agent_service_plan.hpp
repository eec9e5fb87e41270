#pragma once
// How `bosun setup` keeps the agent running on a host, as shell text: a systemd unit when the
// host runs systemd and the SSH user is root or may sudo without a password, else a
// user-level daemon. Only text is made here (testable without a host); setup_commands runs it.

#include <string>
#include <vector>

namespace bosun::controller::setup {

struct AgentService {
  std::string app;
  std::string root;                   // the app's root; the agent is ROOT/bin/bosun-agent
  std::string user;                   // the SSH user the agent runs as
  std::vector<std::string> run_args;  // after `bosun-agent run`
};

// What the host offers, as printed by probe_script().
enum class ServiceManager { systemd_as_root, systemd_with_sudo, user_daemon };
struct HostServiceProbe {
  ServiceManager manager = ServiceManager::user_daemon;
  std::string user;             // who the SSH session runs as
  std::string why_not_systemd;  // for user_daemon: the host's reason, for people
};

// Prints "systemd-root USER", "systemd-sudo USER", "user-nosudo USER" (systemd runs, but the
// user is not root and has no passwordless sudo) or "user-nosystemd USER" on the host.
std::string probe_script();
HostServiceProbe parse_probe(const std::string& printed);

std::string unit_name(const AgentService& service);  // bosun-agent-APP.service
std::string systemd_unit(const AgentService& service);
// Installs the unit (already uploaded to `staged_unit`), enables it and (re)starts the agent.
std::string systemd_install_script(const AgentService& service, const std::string& staged_unit,
                                   ServiceManager manager);
// Starts the agent detached from the SSH session, its output appended to ROOT/agent.log.
std::string user_daemon_script(const AgentService& service);

}  // namespace bosun::controller::setup
