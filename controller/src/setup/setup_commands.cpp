#include "setup/setup_commands.hpp"

#include <sys/stat.h>

#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <mutex>
#include <sstream>
#include <thread>

#include <Poco/JSON/Array.h>
#include <Poco/JSON/Object.h>
#include <Poco/JSON/Parser.h>

#include "bosun/common/environment.hpp"
#include "bosun/common/exit_codes.hpp"
#include "bosun/common/text.hpp"
#include "bosun/common/text_file.hpp"
#include "cli/controller_context.hpp"
#include "host/host_queries.hpp"
#include "setup/agent_service_plan.hpp"
#include "transport/ssh_transport.hpp"

namespace bosun::controller::setup {
namespace {

namespace fs = std::filesystem;
using std::chrono::milliseconds;

}  // namespace

namespace {

// What every host of a `bosun setup` gets.
struct SetupInputs {
  std::string agent_binary;  // the file's bytes
  std::string manifest_text;
  std::map<std::string, std::string> secrets;
  std::string service;  // auto, systemd or user
  std::string repo;
  std::string stage;
  bool json = false;  // the gap analysis as JSON (bosun.report/1) instead of text
};

// What setup did on one host: its log lines and the gap analysis.
struct SetupReport {
  std::vector<std::string> log;
  std::string gap;
  int code = exit_code::k_ok;
};

// Takes one line of a host's setup log.
using SetupLog = std::function<void(const std::string&)>;

// The host's shared/.env with the project's secrets put in: values only the host has are
// kept. Throws when the host's file is malformed (it is then left alone).
std::string merged_env_file(host::HostSession& host,
                            const std::map<std::string, std::string>& secrets, std::size_t& kept) {
  const std::string path = host.target().root + "/shared/.env";
  // Over SFTP: nothing the host's login shell prints can get into it.
  const std::optional<std::string> current = host.transport().download(path);
  std::map<std::string, std::string> merged;
  try {
    merged = parse_dotenv(current.value_or(""));
  } catch (const std::exception& error) {
    throw std::runtime_error(path + " on the host: " + error.what() +
                             " (fix or remove it; it was left as it is)");
  }
  kept = 0;
  for (const auto& [name, value] : merged) {
    kept += secrets.contains(name) ? 0U : 1U;
  }
  for (const auto& [name, value] : secrets) {
    merged[name] = value;
  }
  return format_dotenv(merged);  // quoted where needed: read back as it was
}

// Stops an agent already running there (it is replaced by the new binary; the next one
// adopts the running services).
void stop_running_agent(host::HostSession& host) {
  const transport::RemoteResult status =
      host.agent_capture("status", {"--json"}, host::k_query_timeout);
  host.end_agent_session();  // the next commands talk to the new binary
  if (status.exit_code != 0 && status.exit_code != 1) {
    return;
  }
  try {
    Poco::JSON::Parser json;
    const auto pid = json.parse(status.output)
                         .extract<Poco::JSON::Object::Ptr>()
                         ->getObject("agent")
                         ->getValue<int>("pid");
    host.transport().capture(
        {"sh", "-c",
         "kill -TERM " + std::to_string(pid) + "; i=0; while kill -0 " + std::to_string(pid) +
             " 2>/dev/null && [ $i -lt 100 ]; do sleep 0.1; i=$((i+1)); done"},
        host::k_query_timeout);
  } catch (const std::exception&) {
    // not an agent's answer: nothing to stop
  }
}

// How the agent will be kept running there; throws when --service systemd cannot be had.
HostServiceProbe choose_service(host::HostSession& host, const std::string& service) {
  if (service == "user") {
    HostServiceProbe chosen;
    chosen.why_not_systemd = "--service user";
    return chosen;
  }
  const transport::RemoteResult printed =
      host.transport().capture({"sh", "-c", probe_script()}, host::k_query_timeout);
  const HostServiceProbe probe = parse_probe(printed.output);
  if (service == "systemd" && probe.manager == ServiceManager::user_daemon) {
    throw std::runtime_error("--service systemd: " + probe.why_not_systemd +
                             " (nothing was changed)");
  }
  return probe;
}

// Starts the agent under systemd or as a user-level daemon; returns how, for the log.
std::string start_agent(host::HostSession& host, const SetupInputs& inputs, const std::string& app,
                        const HostServiceProbe& probe) {
  const std::string root = host.target().root;
  const AgentService service{app,
                             root,
                             probe.user,
                             {"--root", root, "--repo", inputs.repo, "--host",
                              host.target().address, "--stage", inputs.stage}};
  if (probe.manager != ServiceManager::user_daemon) {
    const std::string staged = root + "/setup/" + unit_name(service);
    host.transport().upload(systemd_unit(service), staged, 0644);
    const transport::RemoteResult installed = host.transport().capture(
        {"sh", "-c", systemd_install_script(service, staged, probe.manager)},
        host::k_query_timeout);
    if (installed.exit_code != 0) {
      throw std::runtime_error("cannot install the systemd unit: " +
                               std::string(trim(installed.output + installed.error)));
    }
    return "systemd unit " + unit_name(service) + " (enabled: starts at boot; log: journalctl -u " +
           unit_name(service) + ")";
  }
  const transport::RemoteResult started =
      host.transport().capture({"sh", "-c", user_daemon_script(service)}, host::k_query_timeout);
  if (started.exit_code != 0) {
    throw std::runtime_error("cannot start the agent: " + started.output + started.error);
  }
  return "user-level daemon, log: " + root +
         "/agent.log (not started again after a reboot: " + probe.why_not_systemd + ")";
}

int setup_host(host::HostSession& host, const SetupInputs& inputs, const std::string& app,
               const SetupLog& log, std::string& gap_report) {
  const std::string root = host.target().root;
  host.connect();
  const HostServiceProbe service = choose_service(host, inputs.service);
  host.transport().upload(inputs.agent_binary, root + "/bin/bosun-agent", 0755);
  log("agent installed at " + root + "/bin/bosun-agent");
  if (!inputs.secrets.empty()) {
    std::size_t kept = 0;
    host.transport().upload(merged_env_file(host, inputs.secrets, kept), root + "/shared/.env",
                            0600);
    log(std::to_string(inputs.secrets.size()) + " secret(s) in shared/.env (0600)" +
        (kept > 0 ? "; " + std::to_string(kept) + " value(s) only the host had were kept" : ""));
  }
  host.transport().upload(inputs.manifest_text, root + "/setup/app.yaml", 0644);
  stop_running_agent(host);
  const std::string how = start_agent(host, inputs, app, service);
  bool up = false;
  for (int attempt = 0; attempt < 50 && !up; ++attempt) {
    const transport::RemoteResult probe = host.agent_capture("status", {}, host::k_query_timeout);
    up = probe.exit_code == 0 || probe.exit_code == 1;
    if (!up) {
      host.end_agent_session();
      std::this_thread::sleep_for(milliseconds(100));
    }
  }
  if (!up) {
    throw std::runtime_error("the agent did not come up; see " + root + "/agent.log");
  }
  log("agent running: " + how);
  std::vector<std::string> gap_args{"-c", root + "/setup/app.yaml"};
  if (inputs.json) {
    gap_args.emplace_back("--json");
  }
  const transport::RemoteResult gap = host.agent_capture("gap", gap_args, host::k_query_timeout);
  gap_report = gap.output;
  return gap.exit_code == 0 ? exit_code::k_ok : exit_code::k_failed;
}

// {"hosts": [{"host", "exit_code", "log": [lines], "gap": bosun.report/1 or null}]}
void print_setup_json(std::vector<host::HostSession>& hosts,
                      const std::vector<SetupReport>& reports, std::ostream& out) {
  Poco::JSON::Array::Ptr entries = new Poco::JSON::Array;
  for (std::size_t i = 0; i < hosts.size(); ++i) {
    Poco::JSON::Object::Ptr entry = new Poco::JSON::Object(Poco::JSON_PRESERVE_KEY_ORDER);
    entry->set("host", hosts[i].name());
    entry->set("exit_code", reports[i].code);
    Poco::JSON::Array::Ptr lines = new Poco::JSON::Array;
    for (const std::string& line : reports[i].log) {
      lines->add(line);
    }
    entry->set("log", lines);
    try {
      Poco::JSON::Parser parser;
      entry->set("gap", parser.parse(reports[i].gap));
    } catch (const std::exception&) {
      entry->set("gap", Poco::Dynamic::Var());  // no report: see the log
    }
    entries->add(entry);
  }
  Poco::JSON::Object body;
  body.set("hosts", entries);
  body.stringify(out);
  out << "\n";
}

}  // namespace

namespace {

// Every host set up at once; each step printed as it happens (an agent upload over a slow link
// takes a while), prefixed with its host, unless the output is JSON.
std::vector<SetupReport> set_up_hosts(std::vector<host::HostSession>& hosts,
                                      const SetupInputs& inputs, const std::string& app, bool json,
                                      std::ostream& out) {
  std::vector<SetupReport> reports(hosts.size());
  std::mutex printing;
  host::each_host(hosts, [&](std::size_t i, host::HostSession& host) {
    SetupReport& report = reports[i];
    const SetupLog log = [&](const std::string& line) {
      report.log.push_back(line);
      if (!json) {
        std::lock_guard guard(printing);
        out << host.name() << ": " << line << "\n" << std::flush;
      }
    };
    try {
      report.code = setup_host(host, inputs, app, log, report.gap);
    } catch (const std::exception& error) {
      log(std::string("setup failed: ") + error.what());
      report.code = exit_code::k_failed;
    }
  });
  return reports;
}

}  // namespace

int setup_command(const std::vector<std::string>& args, std::ostream& out, std::ostream& err) {
  const std::string command = "bosun setup";
  cli::GlobalOptions globals;
  std::string agent_binary;
  SetupInputs inputs;
  inputs.service = "auto";
  bosun::cli::ArgParser parser(
      command,
      "Make the hosts of a stage ready for deploys: upload the agent, create the app's "
      "layout, put .bosun/secrets into shared/.env (0600; values only the host has are kept), "
      "start the agent as a systemd unit (root or passwordless sudo) or else a user-level "
      "daemon (it adopts the app if it restarts), then print the gap analysis.");
  globals.add_to(parser);
  parser.option("agent", 0, "FILE", "the bosun-agent binary to install (default: beside bosun)",
                agent_binary);
  parser.option("service", 0, "HOW",
                "auto (systemd where possible, default), systemd (fail without it) or user",
                inputs.service);
  parser.epilog(
      "Exit status: 0 every host set up without blocking gaps, 1 otherwise, 2 bad "
      "usage.\n");
  if (const auto code = parser.parse_or_exit_code(args, out, err)) {
    return *code;
  }
  if (inputs.service != "auto" && inputs.service != "systemd" && inputs.service != "user") {
    err << command << ": --service is auto, systemd or user, not \"" << inputs.service << "\"\n";
    return exit_code::k_invalid_input;
  }
  auto context = cli::ControllerContext::open(globals, command, err);
  if (!context) {
    return exit_code::k_invalid_input;
  }
  if (agent_binary.empty()) {
    agent_binary = host::sibling_agent_binary();
  }
  const auto binary = read_text_file(agent_binary);
  if (agent_binary.empty() || !binary) {
    err << command << ": no bosun-agent binary to install (pass --agent FILE)\n";
    return exit_code::k_invalid_input;
  }
  auto secrets = context->read_secrets(command, err);
  if (!secrets) {
    return exit_code::k_invalid_input;
  }
  inputs.agent_binary = *binary;
  inputs.manifest_text = read_text_file(globals.config).value_or("");
  inputs.secrets = std::move(*secrets);
  inputs.repo = context->manifest().repo;
  inputs.stage = context->stage_name();
  inputs.json = globals.json;
  std::vector<host::HostSession>& hosts = context->hosts();
  const std::vector<SetupReport> reports =
      set_up_hosts(hosts, inputs, context->manifest().app, globals.json, out);
  int code = exit_code::k_ok;
  for (const SetupReport& report : reports) {
    code = std::max(code, report.code);
  }
  if (globals.json) {
    print_setup_json(hosts, reports, out);
    return code;
  }
  for (std::size_t i = 0; i < hosts.size(); ++i) {
    if (!reports[i].gap.empty()) {
      out << "\n== " << hosts[i].name() << "\n" << reports[i].gap;
    }
  }
  return code;
}

}  // namespace bosun::controller::setup
