#include "bosun/agent/agent_cli.hpp"

#include <signal.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <ostream>
#include <sstream>
#include <thread>

#include <Poco/JSON/Array.h>
#include <Poco/JSON/Object.h>
#include <Poco/JSON/Parser.h>

#include "api/api_client.hpp"
#include "api/api_server.hpp"
#include "api/session_server.hpp"
#include "bosun/checks/requirements.hpp"
#include "bosun/common/build_info.hpp"
#include "bosun/common/cli.hpp"
#include "bosun/common/duration.hpp"
#include "bosun/common/exit_codes.hpp"
#include "bosun/common/input_error.hpp"
#include "bosun/common/text.hpp"
#include "bosun/manifest/check_command.hpp"
#include "bosun/manifest/loader.hpp"
#include "cli/agent_client_support.hpp"
#include "cli/deploy_cli.hpp"
#include "cli/report_cli.hpp"
#include "cli/session_cli.hpp"
#include "core/host_layout.hpp"
#include "deploy/deploy_engine.hpp"
#include "deploy/deploy_runs.hpp"
#include "release/release_app.hpp"
#include "release/release_store.hpp"
#include "report/incident_diagnosis.hpp"
#include "report/readiness_report.hpp"
#include "state/deploy_journal.hpp"
#include "state/deploy_lock.hpp"
#include "state/journal.hpp"
#include "state/release_ledger.hpp"
#include "supervise/service_spec.hpp"
#include "supervise/supervisor.hpp"

namespace bosun::agent {
namespace {

namespace fs = std::filesystem;
using Poco::JSON::Object;

std::string age(std::int64_t since_unix_ms) {
  if (since_unix_ms <= 0) {
    return "-";
  }
  const auto seconds = std::max<std::int64_t>(0, (now_unix_ms() - since_unix_ms) / 1000);
  return format_duration(std::chrono::seconds(seconds));
}

// ---- run ----

// The readiness report of what runs now, with restarts counted over the last 10 minutes.
checks::Report readiness_now(const AgentSettings& settings, const DeployEngine& engine,
                             Supervisor& supervisor, Journal& journal) {
  const ReleaseApp app = engine.live_app();
  ReadinessInputs inputs;
  inputs.app = &app;
  inputs.services = supervisor.snapshot();
  for (const JournalEvent& event : journal.since(now_unix_ms() - 600'000, 10'000)) {
    if (event.kind == "exited") {
      ++inputs.recent_restarts[event.service];
    }
  }
  if (!app.id.empty()) {
    if (const auto record = ReleaseLedger(settings.layout.state_db().string()).find(app.id)) {
      inputs.recorded_schema = record->schema;
    }
  }
  inputs.layout = settings.layout;
  inputs.host = settings.host;
  return build_readiness_report(inputs);
}

int run_daemon(const std::vector<std::string>& args, std::ostream& out, std::ostream& err) {
  std::string root;
  std::string socket;
  std::string manifest_path;
  std::string host;
  std::string stage;
  std::string repo;
  cli::ArgParser parser(
      "bosun-agent run",
      "Run the agent: start the app's services in dependency order behind their readiness "
      "checks and keep them running. Services left running by a previous agent are adopted, "
      "not restarted. SIGTERM stops the agent and leaves the services running; "
      "`bosun-agent stop-all` stops them.");
  parser.option("root", 'r', "DIR", "the app's root on this host (required)", root)
      .option("socket", 's', "PATH", "API socket (default: ROOT/agent.sock)", socket)
      .option("config", 'c', "FILE",
              "manifest to run while there is no release (then: the current release's)",
              manifest_path)
      .option("host", 0, "NAME", "value of ${host} (default: this machine's name)", host)
      .option("stage", 0, "NAME", "value of ${stage}", stage)
      .option("repo", 0, "URL",
              "the app's repository, for deploys before any release (default: the manifest's)",
              repo);
  if (const auto code = parser.parse_or_exit_code(args, out, err)) {
    return *code;
  }
  if (root.empty()) {
    err << "bosun-agent run: --root DIR is required\n";
    return exit_code::k_invalid_input;
  }
  AgentSettings settings;
  settings.layout = HostLayout{fs::absolute(root)};
  char hostname[256] = {};
  ::gethostname(hostname, sizeof hostname - 1);
  settings.host = host.empty() ? hostname : host;
  settings.stage = stage;
  settings.base_env = agent_base_env();
  try {
    settings.layout.create();
    ReleaseApp live = load_live_app(settings, manifest_path);
    if (!repo.empty()) {
      live.manifest.repo = repo;
    }
    std::vector<ServiceSpec> services = live.specs;
    const std::string app_name = live.manifest.app.empty()
                                     ? "nothing yet (waiting for the first deploy)"
                                     : live.manifest.app;
    // The stop signals go to the event loop's signalfd: block them before any thread starts.
    sigset_t stop_signals;
    sigemptyset(&stop_signals);
    sigaddset(&stop_signals, SIGTERM);
    sigaddset(&stop_signals, SIGINT);
    ::pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);
    ::signal(SIGPIPE, SIG_IGN);
    Journal journal(settings.layout.state_db().string());
    Supervisor supervisor(std::move(services), settings.layout, journal);
    DeployEngine engine(settings, std::move(live), supervisor);
    DeployRuns runs(engine);
    const auto readiness = [&] {
      return checks::render_json(readiness_now(settings, engine, supervisor, journal));
    };
    ApiHooks hooks;
    hooks.readiness = readiness;
    hooks.diagnose = [&](const std::vector<ServiceStatus>& statuses) {
      return diagnose(engine.live_app(), statuses);
    };
    ApiServer api(socket.empty() ? settings.layout.default_socket().string() : socket, supervisor,
                  journal, &runs, std::move(hooks));
    api.start();
    SessionServer sessions((settings.layout.root / "session.sock").string(), run_agent_cli);
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
  } catch (const InputError& error) {  // a broken or missing manifest: the user's input
    err << "bosun-agent run: " << error.what() << "\n";
    return exit_code::k_invalid_input;
  } catch (const std::exception& error) {
    err << "bosun-agent run: " << error.what() << "\n";
    return exit_code::k_failed;
  }
}

// ---- client commands ----

int status_command(const std::vector<std::string>& args, std::ostream& out, std::ostream& err) {
  SocketOptions socket;
  bool json = false;
  cli::ArgParser parser("bosun-agent status",
                        "Show every service: state, pid, restarts, last exit and probe.");
  socket.add_to(parser);
  parser.flag("json", 0, "print the agent's JSON as it is", json)
      .epilog(
          "Exit status: 0 when every service is ready, 1 otherwise, 2 when the agent cannot be "
          "reached.\n");
  if (const auto code = parser.parse_or_exit_code(args, out, err)) {
    return *code;
  }
  const auto response = call(socket, "GET", "/v1/status?diagnose=1", "bosun-agent status", err);
  if (!response) {
    return exit_code::k_invalid_input;
  }
  const Object::Ptr body = parse_object(response->body);
  const auto services = body->getArray("services");
  bool all_ready = true;
  for (std::size_t i = 0; i < services->size(); ++i) {
    // A one-shot task that finished cleanly (e.g. migrations) counts as fine.
    const auto service = services->getObject(static_cast<unsigned>(i));
    const std::string state = service->getValue<std::string>("state");
    const bool finished = state == "exited" && !service->isNull("last_exit_code") &&
                          service->getValue<int>("last_exit_code") == 0;
    all_ready = all_ready && (state == "ready" || finished);
  }
  if (json) {
    out << response->body << "\n";
    return all_ready ? exit_code::k_ok : exit_code::k_failed;
  }
  out << pad_column("SERVICE", 12) << pad_column("STATE", 12) << pad_column("PID", 8)
      << pad_column("RESTARTS", 9) << pad_column("SINCE", 8) << "PROBE\n";
  for (std::size_t i = 0; i < services->size(); ++i) {
    const auto service = services->getObject(static_cast<unsigned>(i));
    const std::string pid =
        service->isNull("pid") ? "-" : std::to_string(service->getValue<int>("pid"));
    out << pad_column(service->getValue<std::string>("name"), 12)
        << pad_column(service->getValue<std::string>("state"), 12) << pad_column(pid, 8)
        << pad_column(std::to_string(service->getValue<std::int64_t>("restarts")), 9)
        << pad_column(age(service->getValue<std::int64_t>("state_since_unix_ms")), 8)
        << service->getValue<std::string>("probe") << "\n";
    if (!service->getValue<std::string>("last_exit").empty()) {
      out << "    last exit: " << service->getValue<std::string>("last_exit") << "\n";
    }
    const auto evidence = service->getArray("evidence");
    if (evidence->size() > 0 && service->getValue<std::string>("state") != "ready") {
      out << "    last log lines (" << service->getValue<std::string>("log") << "):\n";
      for (std::size_t k = 0; k < evidence->size(); ++k) {
        out << "      " << evidence->getElement<std::string>(static_cast<unsigned>(k)) << "\n";
      }
    }
  }
  if (const auto diagnosis = body->getObject("diagnosis")) {
    const auto shared = diagnosis->getArray("shared");
    for (std::size_t i = 0; shared && i < shared->size(); ++i) {
      const auto fault = shared->getObject(static_cast<unsigned>(i));
      out << "shared dependency down: " << fault->getValue<std::string>("what") << ": "
          << fault->getValue<std::string>("evidence") << "\n";
    }
    if (shared && shared->size() > 0 && !diagnosis->getValue<bool>("rollback_can_help")) {
      out << "a rollback cannot help: every release uses these; bring them back\n";
    }
  }
  return all_ready ? exit_code::k_ok : exit_code::k_failed;
}

int service_action(const std::string& action, const std::vector<std::string>& args,
                   std::ostream& out, std::ostream& err) {
  SocketOptions socket;
  std::string service;
  cli::ArgParser parser("bosun-agent " + action, action == "start" ? "Start a stopped service."
                                                 : action == "stop"
                                                     ? "Stop a service gracefully (its stop "
                                                       "signal, then SIGKILL after its timeout)."
                                                     : "Restart a service.");
  socket.add_to(parser);
  parser.positional("SERVICE", "the service's name in the manifest", service, true);
  if (const auto code = parser.parse_or_exit_code(args, out, err)) {
    return *code;
  }
  const auto response =
      call(socket, "POST", "/v1/services/" + service + "/" + action, "bosun-agent " + action, err);
  if (!response) {
    return exit_code::k_invalid_input;
  }
  out << action << " requested for " << service << "\n";
  return exit_code::k_ok;
}

int logs_command(const std::vector<std::string>& args, std::ostream& out, std::ostream& err) {
  SocketOptions socket;
  std::string service;
  std::string lines = "50";
  bool follow = false;
  cli::ArgParser parser("bosun-agent logs", "Print a service's log (stdout and stderr).");
  socket.add_to(parser);
  parser.option("lines", 'n', "N", "how many of the last lines (default 50)", lines)
      .flag("follow", 'f', "keep printing new lines until interrupted", follow)
      .positional("SERVICE", "the service's name in the manifest", service, true);
  if (const auto code = parser.parse_or_exit_code(args, out, err)) {
    return *code;
  }
  if (lines.empty() || lines.find_first_not_of("0123456789") != std::string::npos ||
      lines.size() > 6) {
    err << "bosun-agent logs: -n takes a number of lines, got \"" << lines << "\"\n";
    return exit_code::k_invalid_input;
  }
  const auto response = call(socket, "GET", "/v1/services/" + service + "/logs?lines=" + lines,
                             "bosun-agent logs", err);
  if (!response) {
    return exit_code::k_invalid_input;
  }
  Object::Ptr body = parse_object(response->body);
  const auto array = body->getArray("lines");
  for (std::size_t i = 0; i < array->size(); ++i) {
    out << array->getElement<std::string>(static_cast<unsigned>(i)) << "\n";
  }
  out.flush();
  auto offset = body->getValue<std::uint64_t>("offset");
  while (follow) {
    std::this_thread::sleep_for(std::chrono::milliseconds(250));
    const auto next =
        call(socket, "GET", "/v1/services/" + service + "/logs?offset=" + std::to_string(offset),
             "bosun-agent logs", err);
    if (!next) {
      return exit_code::k_failed;
    }
    body = parse_object(next->body);
    out << body->getValue<std::string>("text");
    out.flush();
    if (!out) {
      return exit_code::k_failed;  // nobody reads any more (a session's connection closed)
    }
    offset = body->getValue<std::uint64_t>("offset");
  }
  return exit_code::k_ok;
}

int events_command(const std::vector<std::string>& args, std::ostream& out, std::ostream& err) {
  SocketOptions socket;
  std::string since;
  bool json = false;
  cli::ArgParser parser(
      "bosun-agent events",
      "Print the agent's journal: starts, exits with their status, restarts, crash loops, "
      "probe failures, adoptions.");
  socket.add_to(parser);
  parser
      .option("since", 0, "T",
              "only events newer than T: a duration ago (10m, 2h) or Unix milliseconds", since)
      .flag("json", 0, "print JSON", json);
  if (const auto code = parser.parse_or_exit_code(args, out, err)) {
    return *code;
  }
  std::int64_t since_ms = 0;
  if (!since.empty()) {
    if (since.find_first_not_of("0123456789") == std::string::npos && since.size() < 19) {
      since_ms = std::stoll(since);
    } else if (const auto ago = parse_duration(since)) {
      since_ms = now_unix_ms() - ago->count();
    } else {
      err << "bosun-agent events: --since " << ago.error() << "\n";
      return exit_code::k_invalid_input;
    }
  }
  const auto response = call(socket, "GET", "/v1/events?since=" + std::to_string(since_ms),
                             "bosun-agent events", err);
  if (!response) {
    return exit_code::k_invalid_input;
  }
  if (json) {
    out << response->body << "\n";
    return exit_code::k_ok;
  }
  const auto events = parse_object(response->body)->getArray("events");
  for (std::size_t i = 0; i < events->size(); ++i) {
    const auto event = events->getObject(static_cast<unsigned>(i));
    const std::time_t seconds =
        static_cast<std::time_t>(event->getValue<std::int64_t>("unix_ms") / 1000);
    char when[32];
    std::strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%SZ", std::gmtime(&seconds));
    const std::string service = event->getValue<std::string>("service");
    out << when << "  " << pad_column(service.empty() ? "(agent)" : service, 10)
        << pad_column(event->getValue<std::string>("kind"), 16)
        << event->getValue<std::string>("detail") << "\n";
  }
  return exit_code::k_ok;
}

int simple_get(const std::string& command, const std::string& path, const std::string& summary,
               const std::vector<std::string>& args, std::ostream& out, std::ostream& err) {
  SocketOptions socket;
  cli::ArgParser parser("bosun-agent " + command, summary);
  socket.add_to(parser);
  if (const auto code = parser.parse_or_exit_code(args, out, err)) {
    return *code;
  }
  const auto response =
      call(socket, command == "stop-all" ? "POST" : "GET", path, "bosun-agent " + command, err);
  if (!response) {
    return exit_code::k_invalid_input;
  }
  out << (command == "stop-all"
              ? "stopping every service in reverse dependency order; the agent exits after\n"
              : response->body);
  return exit_code::k_ok;
}

int releases_command(const std::vector<std::string>& args, std::ostream& out, std::ostream& err) {
  std::string root;
  bool json = false;
  cli::ArgParser parser("bosun-agent releases",
                        "List the releases on this host, oldest first, and which one is current.");
  parser.option("root", 'r', "DIR", "the app's root on this host (required)", root)
      .flag("json", 0, "print JSON", json);
  if (const auto code = parser.parse_or_exit_code(args, out, err)) {
    return *code;
  }
  if (root.empty()) {
    err << "bosun-agent releases: --root DIR is required\n";
    return exit_code::k_invalid_input;
  }
  const std::vector<Release> releases = ReleaseStore(root).list();
  HostLayout{root}.create();
  ReleaseLedger ledger(HostLayout{root}.state_db().string());
  const auto record_of = [&](const Release& release) {
    return ledger.find(release.id).value_or(ReleaseRecord{});
  };
  const auto schema_text = [](const ReleaseRecord& record) {
    return record.schema ? (record.schema->empty() ? std::string("base") : *record.schema)
                         : std::string("-");
  };
  if (json) {
    Poco::JSON::Array::Ptr list = new Poco::JSON::Array;
    for (const Release& release : releases) {
      Object::Ptr entry = new Object(Poco::JSON_PRESERVE_KEY_ORDER);
      entry->set("id", release.id);
      entry->set("commit", release.commit);
      entry->set("current", release.current);
      const ReleaseRecord record = record_of(release);
      entry->set("state", record.id.empty() ? std::string("unknown") : to_string(record.state));
      entry->set("reason", record.reason);
      entry->set("restored_backup", record.restored);
      entry->set("schema_version",
                 record.schema ? Poco::Dynamic::Var(*record.schema) : Poco::Dynamic::Var());
      entry->set("verified_unix_ms", record.verified_unix_ms
                                         ? Poco::Dynamic::Var(*record.verified_unix_ms)
                                         : Poco::Dynamic::Var());
      entry->set("path", release.path.string());
      list->add(entry);
    }
    Object::Ptr body = new Object;
    body->set("releases", list);
    body->stringify(out);
    out << "\n";
    return exit_code::k_ok;
  }
  if (releases.empty()) {
    out << "no releases under " << root << "/releases\n";
    return exit_code::k_ok;
  }
  out << pad_column("RELEASE", 27) << pad_column("COMMIT", 14) << pad_column("STATE", 10)
      << pad_column("SCHEMA", 14) << "CURRENT\n";
  for (const Release& release : releases) {
    const ReleaseRecord record = record_of(release);
    out << pad_column(release.id, 27) << pad_column(release.commit.substr(0, 12), 14)
        << pad_column(record.id.empty() ? "unknown" : to_string(record.state), 10)
        << pad_column(schema_text(record), 14) << (release.current ? "*" : "")
        << (record.reason.empty() ? "" : "  " + record.reason)
        << (record.restored.empty() ? "" : "  (" + record.restored + ")") << "\n";
  }
  return exit_code::k_ok;
}

int history_command(const std::vector<std::string>& args, std::ostream& out, std::ostream& err) {
  std::string root;
  std::string limit = "20";
  bool json = false;
  cli::ArgParser parser(
      "bosun-agent history",
      "Deploys and rollbacks on this host, newest first: who, commit, release, steps with "
      "their durations, result and reason.");
  parser.option("root", 'r', "DIR", "the app's root on this host (required)", root)
      .option("limit", 'n', "N", "how many runs (default 20)", limit)
      .flag("json", 0, "print JSON", json);
  if (const auto code = parser.parse_or_exit_code(args, out, err)) {
    return *code;
  }
  if (root.empty() || limit.empty() || limit.size() > 6 ||
      limit.find_first_not_of("0123456789") != std::string::npos) {
    err << "bosun-agent history: --root DIR is required and -n takes a number\n";
    return exit_code::k_invalid_input;
  }
  HostLayout{root}.create();
  const auto runs = DeployJournal(HostLayout{root}.state_db().string()).history(std::stoul(limit));
  const auto took = [](std::int64_t from, const std::optional<std::int64_t>& to) {
    return to ? format_duration(std::chrono::milliseconds(*to - from)) : std::string("-");
  };
  if (json) {
    Poco::JSON::Array::Ptr list = new Poco::JSON::Array;
    for (const RunRecord& run : runs) {
      Object::Ptr entry = new Object(Poco::JSON_PRESERVE_KEY_ORDER);
      entry->set("id", run.id);
      entry->set("kind", run.kind);
      entry->set("who", run.who);
      entry->set("commit", run.commit);
      entry->set("release", run.release);
      entry->set("started_unix_ms", run.started_unix_ms);
      entry->set("finished_unix_ms", run.finished_unix_ms
                                         ? Poco::Dynamic::Var(*run.finished_unix_ms)
                                         : Poco::Dynamic::Var());
      entry->set("result", run.result.empty() ? "interrupted" : run.result);
      entry->set("reason", run.reason);
      Poco::JSON::Array::Ptr steps = new Poco::JSON::Array;
      for (const StepRecord& step : run.steps) {
        Object::Ptr s = new Object(Poco::JSON_PRESERVE_KEY_ORDER);
        s->set("name", step.name);
        s->set("outcome", step.outcome.empty() ? "interrupted" : step.outcome);
        s->set("duration_ms", step.finished_unix_ms ? Poco::Dynamic::Var(*step.finished_unix_ms -
                                                                         step.started_unix_ms)
                                                    : Poco::Dynamic::Var());
        s->set("detail", step.detail);
        steps->add(s);
      }
      entry->set("steps", steps);
      list->add(entry);
    }
    Object::Ptr body = new Object;
    body->set("runs", list);
    body->stringify(out);
    out << "\n";
    return exit_code::k_ok;
  }
  if (runs.empty()) {
    out << "no deploys or rollbacks recorded under " << root << "\n";
    return exit_code::k_ok;
  }
  for (const RunRecord& run : runs) {
    out << "#" << run.id << " " << run.kind << " " << run.commit.substr(0, 12) << " by " << run.who
        << ": " << (run.result.empty() ? "interrupted" : run.result) << " in "
        << took(run.started_unix_ms, run.finished_unix_ms)
        << (run.reason.empty() ? "" : " (" + run.reason + ")") << "\n";
    for (const StepRecord& step : run.steps) {
      out << "    " << pad_column(step.name, 12)
          << pad_column(step.outcome.empty() ? "interrupted" : step.outcome, 12)
          << took(step.started_unix_ms, step.finished_unix_ms)
          << (step.detail.empty() ? "" : "  " + step.detail) << "\n";
    }
  }
  return exit_code::k_ok;
}

int lock_command(const std::vector<std::string>& args, std::ostream& out, std::ostream& err) {
  std::string action;
  std::string root;
  std::string holder;
  std::string message;
  std::string ttl = "10m";
  std::string wait;
  bool force = false;
  bool json = false;
  cli::ArgParser parser(
      "bosun-agent lock",
      "One deploy or rollback at a time per app on this host. acquire takes the lock (or "
      "renews it for its holder), release gives it back, status shows it. A lock past its "
      "expiry is taken over; a live one held by someone else is refused, unless --force.");
  parser.positional("ACTION", "acquire, release or status", action, true)
      .option("root", 'r', "DIR", "the app's root on this host (required)", root)
      .option("holder", 0, "NAME", "who holds it (default: $USER@host)", holder)
      .option("message", 'm', "TEXT", "why, shown to whoever is refused", message)
      .option("ttl", 0, "DURATION", "expiry, renewed by acquiring again (default 10m)", ttl)
      .option("wait", 0, "DURATION", "keep trying this long when the lock is held", wait)
      .flag("force", 0, "take or release the lock even when someone else holds it", force)
      .flag("json", 0, "status as JSON", json)
      .epilog("Exit status: 0 done, 1 the lock is held by someone else, 2 bad usage.\n");
  if (const auto code = parser.parse_or_exit_code(args, out, err)) {
    return *code;
  }
  if (root.empty()) {
    err << "bosun-agent lock: --root DIR is required\n";
    return exit_code::k_invalid_input;
  }
  if (holder.empty()) {
    holder = default_operator();
  }
  const auto ttl_value = parse_duration(ttl);
  const auto wait_value =
      wait.empty() ? tl::expected<Duration, std::string>(Duration(0)) : parse_duration(wait);
  if (!ttl_value || ttl_value->count() < 1000 || !wait_value) {
    err << "bosun-agent lock: --ttl and --wait take durations such as 10m (ttl at least 1s)\n";
    return exit_code::k_invalid_input;
  }
  HostLayout{root}.create();
  DeployLock lock(HostLayout{root}.state_db().string());
  if (action == "status") {
    const auto current = lock.status();
    if (json) {
      Object::Ptr body = new Object(Poco::JSON_PRESERVE_KEY_ORDER);
      body->set("locked", current.has_value());
      if (current) {
        body->set("holder", current->holder);
        body->set("message", current->message);
        body->set("acquired_unix_ms", current->acquired_unix_ms);
        body->set("expires_unix_ms", current->expires_unix_ms);
      }
      body->stringify(out);
      out << "\n";
    } else {
      out << (current ? "locked: " + describe_lock(*current, now_unix_ms())
                      : std::string("unlocked"))
          << "\n";
    }
    return exit_code::k_ok;
  }
  if (action == "release") {
    if (!lock.release(holder, force)) {
      const auto current = lock.status();
      err << "bosun-agent lock: "
          << (current ? "not yours to release: " + describe_lock(*current, now_unix_ms()) +
                            " (--force to release it)"
                      : std::string("the lock is not held"))
          << "\n";
      return exit_code::k_failed;
    }
    out << "released\n";
    return exit_code::k_ok;
  }
  if (action != "acquire") {
    err << "bosun-agent lock: unknown action \"" << action << "\" (acquire, release or status)\n";
    return exit_code::k_invalid_input;
  }
  const auto deadline = std::chrono::steady_clock::now() + *wait_value;
  while (true) {
    const std::int64_t now = now_unix_ms();
    const LockOutcome outcome =
        lock.acquire({holder, message, now, now + ttl_value->count()}, force, now);
    if (outcome.acquired) {
      if (outcome.took_over) {
        out << "took over the lock (it was " << describe_lock(*outcome.previous, now) << ")\n";
      }
      out << "lock acquired by " << holder << ", expires in " << format_duration(*ttl_value)
          << "\n";
      return exit_code::k_ok;
    }
    if (std::chrono::steady_clock::now() >= deadline) {
      err << "bosun-agent lock: locked, " << describe_lock(*outcome.previous, now)
          << "; wait with --wait DURATION, or --force if that holder is gone\n";
      return exit_code::k_failed;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
}

}  // namespace

int run_agent_cli(const std::vector<std::string>& args, std::ostream& out, std::ostream& err) {
  if (!args.empty() && args[0] == "--version") {
    out << "bosun-agent " << k_version << "\n";
    return exit_code::k_ok;
  }
  using Args = const std::vector<std::string>&;
  const std::vector<cli::Subcommand> commands{
      {"run", "supervise the app's services (the daemon)",
       [&](Args sub) { return run_daemon(sub, out, err); }},
      {"status", "show the services' state",
       [&](Args sub) { return status_command(sub, out, err); }},
      {"start", "start a service",
       [&](Args sub) { return service_action("start", sub, out, err); }},
      {"stop", "stop a service", [&](Args sub) { return service_action("stop", sub, out, err); }},
      {"restart", "restart a service",
       [&](Args sub) { return service_action("restart", sub, out, err); }},
      {"logs", "print a service's log", [&](Args sub) { return logs_command(sub, out, err); }},
      {"events", "print the agent's journal",
       [&](Args sub) { return events_command(sub, out, err); }},
      {"metrics", "print Prometheus metrics",
       [&](Args sub) {
         return simple_get("metrics", "/v1/metrics",
                           "Print the agent's metrics in the Prometheus text format.", sub, out,
                           err);
       }},
      {"ready", "is the running app ready? (report with evidence and actions)",
       [&](Args sub) { return ready_command(sub, out, err); }},
      {"gap", "check the manifest's requirements on this host",
       [&](Args sub) { return gap_command(sub, out, err); }},
      {"history", "deploys and rollbacks on this host",
       [&](Args sub) { return history_command(sub, out, err); }},
      {"lock", "take, give back or show the deploy lock",
       [&](Args sub) { return lock_command(sub, out, err); }},
      {"deploy", "deploy a commit on this host (run by the daemon)",
       [&](Args sub) { return deploy_command(sub, out, err); }},
      {"rollback", "go back to the last good release, or --to one",
       [&](Args sub) { return rollback_command(sub, out, err); }},
      {"releases", "list the releases on this host",
       [&](Args sub) { return releases_command(sub, out, err); }},
      {"stop-all", "stop every service, then the agent",
       [&](Args sub) {
         return simple_get("stop-all", "/v1/stop-all",
                           "Stop every service in reverse dependency order, then stop the agent.",
                           sub, out, err);
       }},
      {"session", "run agent commands read from stdin (the controller's connection)",
       [&](Args sub) { return session_command(sub, out, err, run_agent_cli); }},
      {"manifest", "check a release's manifest on this host (manifest check -c FILE)",
       [&](Args sub) {
         const std::vector<cli::Subcommand> manifest_commands{
             {"check", "validate the app manifest and show what it defines",
              [&](Args rest) {
                return manifest::run_check_command("bosun-agent manifest check", rest, out, err);
              }},
         };
         return cli::dispatch("bosun-agent manifest", "Work with the app manifest.",
                              manifest_commands, sub, out, err);
       }},
  };
  return cli::dispatch(
      "bosun-agent",
      "The bosun host agent: supervises the app's services, deploys and rolls back releases, "
      "and answers on a Unix socket. docs/AGENT.md describes it.",
      commands, args, out, err);
}

}  // namespace bosun::agent
