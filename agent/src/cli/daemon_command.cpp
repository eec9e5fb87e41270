// `bosun-agent run`: the daemon. The supervisor, the deploy engine, the API and session
// sockets, and recovery of what a dead agent left, until SIGTERM (services keep running) or
// stop-all.
#include <grp.h>
#include <signal.h>
#include <unistd.h>

#include <filesystem>

#include "api/api_server.hpp"
#include "api/session_server.hpp"
#include "bosun/agent/agent_cli.hpp"
#include "bosun/checks/report.hpp"
#include "bosun/common/build_info.hpp"
#include "bosun/common/cli.hpp"
#include "bosun/common/duration.hpp"
#include "bosun/common/exit_codes.hpp"
#include "bosun/common/input_error.hpp"
#include "cli/agent_client_support.hpp"
#include "cli/agent_commands.hpp"
#include "deploy/deploy_engine.hpp"
#include "deploy/deploy_runs.hpp"
#include "report/incident_diagnosis.hpp"
#include "report/readiness_report.hpp"
#include "state/journal.hpp"
#include "state/release_ledger.hpp"
#include "supervise/supervisor.hpp"
#include "sys/own_output.hpp"

namespace bosun::agent::cli {

namespace {

// The readiness report of what runs now, with restarts counted over the last 10 minutes.
checks::Report readiness_now(const release::AgentSettings& settings,
                             const deploy::DeployEngine& engine, supervise::Supervisor& supervisor,
                             state::Journal& journal) {
  const release::ReleaseApp app = engine.live_app();
  report::ReadinessInputs inputs;
  inputs.app = &app;
  inputs.services = supervisor.snapshot();
  for (const state::JournalEvent& event : journal.since(state::now_unix_ms() - 600'000, 10'000)) {
    if (event.kind == "exited") {
      ++inputs.recent_restarts[event.service];
    }
  }
  if (!app.id.empty()) {
    if (const auto record =
            state::ReleaseLedger(settings.layout.state_db().string()).find(app.id)) {
      inputs.recorded_schema = record->schema;
    }
  }
  inputs.layout = settings.layout;
  inputs.host = settings.host;
  return report::build_readiness_report(inputs);
}

struct DaemonOptions {
  std::string root;
  std::string socket;
  std::string manifest_path;
  std::string host;
  std::string stage;
  std::string repo;
  std::string api_group;
  std::string fetch_stall = "2m";
};

// Who may drive this agent: root, its own user, and the members of --api-group if given.
api::AccessPolicy access_policy(const DaemonOptions& options) {
  api::AccessPolicy policy = api::owner_only_policy();
  if (!options.api_group.empty()) {
    const group* found = ::getgrnam(options.api_group.c_str());
    if (found == nullptr) {
      throw InputError("--api-group " + options.api_group + ": no such group on this host");
    }
    policy.group = found->gr_gid;
    policy.group_name = options.api_group;
  }
  return policy;
}

release::AgentSettings daemon_settings(const DaemonOptions& options) {
  release::AgentSettings settings;
  settings.layout = HostLayout{std::filesystem::absolute(options.root)};
  char hostname[256] = {};
  ::gethostname(hostname, sizeof hostname - 1);
  settings.host = options.host.empty() ? hostname : options.host;
  settings.stage = options.stage;
  settings.base_env = release::agent_base_env();
  const auto stall = parse_duration(options.fetch_stall);
  if (!stall || stall->count() <= 0) {
    throw InputError("--fetch-stall " + options.fetch_stall +
                     ": expected a duration such as 90s or 5m");
  }
  settings.fetch.stall = *stall;
  return settings;
}

// The stop signals go to the event loop's signalfd: blocked before any thread starts.
void block_stop_signals() {
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGTERM);
  sigaddset(&stop_signals, SIGINT);
  ::pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);
  ::signal(SIGPIPE, SIG_IGN);
}

// Runs the daemon until SIGTERM or stop-all. Throws InputError for a broken manifest.
int serve(const release::AgentSettings& settings, const DaemonOptions& options, std::ostream& out) {
  // A user-mode agent's ROOT/agent.log: rotated at each start past 10 MiB, keeping 3 (the
  // agent writes little there: its start line and errors; the journal is in state.db).
  sys::rotate_own_output(10 * 1024 * 1024, 3);
  settings.layout.create();
  release::ReleaseApp live = deploy::load_live_app(settings, options.manifest_path);
  if (!options.repo.empty()) {
    live.manifest.repo = options.repo;
  }
  std::vector<supervise::ServiceSpec> services = live.specs;
  const std::string app_name =
      live.manifest.app.empty() ? "nothing yet (waiting for the first deploy)" : live.manifest.app;
  block_stop_signals();
  state::Journal journal(settings.layout.state_db().string());
  supervise::Supervisor supervisor(std::move(services), settings.layout, journal);
  deploy::DeployEngine engine(settings, std::move(live), supervisor);
  deploy::DeployRuns runs(engine);
  api::ApiHooks hooks;
  hooks.readiness = [&] {
    return checks::render_json(readiness_now(settings, engine, supervisor, journal));
  };
  hooks.diagnose = [&](const std::vector<supervise::ServiceStatus>& statuses) {
    return report::diagnose(engine.live_app(), statuses);
  };
  const api::AccessPolicy access = access_policy(options);
  api::ApiServer api(
      options.socket.empty() ? settings.layout.default_socket().string() : options.socket,
      supervisor, journal, &runs, std::move(hooks), access);
  api.start();
  api::SessionServer sessions((settings.layout.root / "session.sock").string(), run_agent_cli,
                              settings.layout.root.string(), access);
  sessions.start();
  out << "bosun-agent " << k_version << " supervising " << app_name << " at "
      << settings.layout.root.string() << " (pid " << ::getpid() << ")" << std::endl;
  runs.start_recovery();
  supervisor.run();
  api.stop();  // first: a session following a run over the API then returns at once
  sessions.stop();
  if (runs.busy()) {
    // A deploy is half way: leave it to the next agent's recovery, like a crash would.
    journal.record("", "agent-exited",
                   "a deploy or rollback was in progress; the next agent finishes or undoes it");
    out.flush();
    ::_exit(exit_code::k_ok);
  }
  return exit_code::k_ok;
}

}  // namespace

int run_daemon(const std::vector<std::string>& args, std::ostream& out, std::ostream& err) {
  DaemonOptions options;
  bosun::cli::ArgParser parser(
      "bosun-agent run",
      "Run the agent: start the app's services in dependency order behind their readiness "
      "checks and keep them running. Services left running by a previous agent are adopted, "
      "not restarted. SIGTERM stops the agent and leaves the services running; "
      "`bosun-agent stop-all` stops them.");
  parser.option("root", 'r', "DIR", "the app's root on this host (required)", options.root)
      .option("socket", 's', "PATH", "API socket (default: ROOT/agent.sock)", options.socket)
      .option("config", 'c', "FILE",
              "manifest to run while there is no release (then: the current release's)",
              options.manifest_path)
      .option("host", 0, "NAME", "value of ${host} (default: this machine's name)", options.host)
      .option("stage", 0, "NAME", "value of ${stage}", options.stage)
      .option("repo", 0, "URL",
              "the app's repository, for deploys before any release (default: the manifest's)",
              options.repo)
      .option("api-group", 0, "NAME",
              "let this group's members drive the agent within an allow-list (sockets 0660; "
              "default: 0600, root and the agent's user only)",
              options.api_group)
      .option("fetch-stall", 0, "DURATION",
              "stop a deploy's git fetch when its transfer has not moved for this long "
              "(default: 2m)",
              options.fetch_stall);
  if (const auto code = parser.parse_or_exit_code(args, out, err)) {
    return *code;
  }
  if (options.root.empty()) {
    err << "bosun-agent run: --root DIR is required\n";
    return exit_code::k_invalid_input;
  }
  try {
    return serve(daemon_settings(options), options, out);
  } catch (const InputError& error) {  // a broken or missing manifest: the user's input
    err << "bosun-agent run: " << error.what() << "\n";
    return exit_code::k_invalid_input;
  } catch (const std::exception& error) {
    err << "bosun-agent run: " << error.what() << "\n";
    return exit_code::k_failed;
  }
}

}  // namespace bosun::agent::cli
