#include "setup/agent_service_plan.hpp"

#include "bosun/common/text.hpp"
#include "transport/transport.hpp"

namespace bosun::controller::setup {
namespace {

std::string agent_path(const AgentService& service) {
  return service.root + "/bin/bosun-agent";
}

// systemd's ExecStart quoting: double quotes, with \ and " escaped (and % doubled: it starts
// a specifier).
std::string unit_quote(const std::string& word) {
  std::string quoted = "\"";
  for (const char c : word) {
    if (c == '"' || c == '\\') {
      quoted += '\\';
    }
    quoted += c;
    if (c == '%') {
      quoted += '%';
    }
  }
  return quoted + "\"";
}

}  // namespace

std::string probe_script() {
  return "if [ -d /run/systemd/system ] && command -v systemctl >/dev/null 2>&1; then "
         "if [ \"$(id -u)\" = 0 ]; then m=systemd-root; "
         "elif sudo -n true >/dev/null 2>&1; then m=systemd-sudo; else m=user-nosudo; fi; "
         "else m=user-nosystemd; fi; echo \"$m $(id -un)\"";
}

HostServiceProbe parse_probe(const std::string& printed) {
  // The last line: a login shell may print its own things first.
  std::string_view answer = trim(printed);
  if (const std::size_t newline = answer.rfind('\n'); newline != std::string_view::npos) {
    answer.remove_prefix(newline + 1);
  }
  HostServiceProbe probe;
  const std::size_t space = answer.find(' ');
  const std::string_view manager = answer.substr(0, space);
  probe.user = space == std::string_view::npos ? "" : std::string(trim(answer.substr(space + 1)));
  if (manager == "systemd-root") {
    probe.manager = ServiceManager::systemd_as_root;
  } else if (manager == "systemd-sudo") {
    probe.manager = ServiceManager::systemd_with_sudo;
  } else if (manager == "user-nosystemd") {
    probe.why_not_systemd = "systemd is not running on the host (PID 1 is not systemd)";
  } else if (manager == "user-nosudo") {
    probe.why_not_systemd = "a systemd unit needs root or passwordless sudo, and " +
                            (probe.user.empty() ? std::string("the SSH user") : probe.user) +
                            " has neither";
  } else {
    probe.why_not_systemd = "the host's answer could not be read";
  }
  return probe;
}

std::string unit_name(const AgentService& service) {
  return "bosun-agent-" + service.app + ".service";
}

std::string systemd_unit(const AgentService& service) {
  std::string exec = unit_quote(agent_path(service)) + " run";
  for (const std::string& arg : service.run_args) {
    exec += " " + unit_quote(arg);
  }
  return "# Written by `bosun setup`: the bosun agent of " + service.app +
         ". Stopping or restarting it leaves the app running;\n"
         "# the next agent adopts the services.\n"
         "[Unit]\n"
         "Description=bosun agent for " +
         service.app +
         "\n"
         "After=network-online.target\n"
         "Wants=network-online.target\n\n"
         "[Service]\n"
         "Type=notify\n"
         "NotifyAccess=main\n"
         "User=" +
         service.user + "\nWorkingDirectory=" + service.root + "\nExecStart=" + exec +
         "\n"
         "KillMode=process\n"
         "Restart=always\n"
         "RestartSec=1s\n"
         "TimeoutStartSec=10min\n"
         "LimitNOFILE=65536\n\n"
         "[Install]\n"
         "WantedBy=multi-user.target\n";
}

std::string systemd_install_script(const AgentService& service, const std::string& staged_unit,
                                   ServiceManager manager) {
  const std::string sudo = manager == ServiceManager::systemd_with_sudo ? "sudo -n " : "";
  const std::string unit = unit_name(service);
  return sudo + "install -m 0644 " + transport::shell_quote(staged_unit) + " " +
         transport::shell_quote("/etc/systemd/system/" + unit) + " && " + sudo +
         "systemctl daemon-reload && " + sudo + "systemctl enable --quiet " + unit + " && " + sudo +
         "systemctl restart " + unit;
}

std::string user_daemon_script(const AgentService& service) {
  std::vector<std::string> argv{agent_path(service), "run"};
  argv.insert(argv.end(), service.run_args.begin(), service.run_args.end());
  return "cd " + transport::shell_quote(service.root) + " && setsid -f " +
         transport::shell_line(argv) + " >> " +
         transport::shell_quote(service.root + "/agent.log") + " 2>&1 < /dev/null";
}

}  // namespace bosun::controller::setup
