#include "host_commands.hpp"

#include <future>
#include <mutex>
#include <set>

#include <Poco/JSON/Array.h>
#include <Poco/JSON/Object.h>
#include <Poco/JSON/Parser.h>

#include "bosun/checks/report.hpp"
#include "bosun/common/duration.hpp"
#include "bosun/common/exit_codes.hpp"
#include "bosun/common/text.hpp"
#include "controller_context.hpp"
#include "history_store.hpp"
#include "local_repo.hpp"
#include "progress_printer.hpp"

namespace bosun::controller {
namespace {

using Poco::JSON::Object;
using std::chrono::milliseconds;

constexpr milliseconds k_timeout{120'000};

Object::Ptr parse_object(const std::string& text) {
  Poco::JSON::Parser parser;
  return parser.parse(text).extract<Object::Ptr>();
}

// Runs `work` for every host at once; returns when all are done.
template <typename Work>
void each_host(std::vector<HostSession>& hosts, Work work) {
  std::vector<std::future<void>> running;
  for (std::size_t i = 0; i < hosts.size(); ++i) {
    running.push_back(std::async(std::launch::async, [&, i] { work(i, hosts[i]); }));
  }
  for (auto& task : running) {
    task.get();
  }
}

struct Answer {
  RemoteResult result;
  std::string failure;  // when the host could not be asked
};

// `bosun-agent SUBCOMMAND ARGS` on every host, collected.
std::vector<Answer> ask_all(std::vector<HostSession>& hosts, const std::string& subcommand,
                            const std::vector<std::string>& args) {
  std::vector<Answer> answers(hosts.size());
  each_host(hosts, [&](std::size_t i, HostSession& host) {
    answers[i].failure = host.try_connect();
    if (!answers[i].failure.empty()) {
      return;
    }
    answers[i].result = host.agent_capture(subcommand, args, k_timeout);
    if (answers[i].result.exit_code < 0) {
      answers[i].failure = answers[i].result.error;
    }
  });
  return answers;
}

// The agent's answer as JSON when it is a JSON document, else its text.
void set_answer(Object& entry, const std::string& output) {
  try {
    Poco::JSON::Parser parser;
    entry.set("answer", parser.parse(output));
  } catch (const std::exception&) {
    entry.set("output", output);
  }
}

// Prints each host's answer under its name (with --json: one document,
// {"hosts": [{"host", "exit_code", "answer" or "output", "error"}]}); exit 0 when every
// host answered 0.
int print_answers(std::vector<HostSession>& hosts, const std::vector<Answer>& answers, bool json,
                  std::ostream& out, std::ostream& err) {
  int code = exit_code::k_ok;
  Poco::JSON::Array::Ptr entries = new Poco::JSON::Array;
  for (std::size_t i = 0; i < hosts.size(); ++i) {
    Object::Ptr entry = new Object(Poco::JSON_PRESERVE_KEY_ORDER);
    entry->set("host", hosts[i].name());
    entries->add(entry);
    if (!json) {
      out << "== " << hosts[i].name() << "\n";
    }
    if (!answers[i].failure.empty()) {
      err << hosts[i].name() << ": " << answers[i].failure << "\n";
      entry->set("exit_code", answers[i].result.exit_code);
      entry->set("error", answers[i].failure);
      code = exit_code::k_failed;
      continue;
    }
    entry->set("exit_code", answers[i].result.exit_code);
    if (json) {
      set_answer(*entry, answers[i].result.output);
    } else {
      out << answers[i].result.output;
    }
    if (answers[i].result.exit_code != 0) {
      code = exit_code::k_failed;
    }
  }
  if (json) {
    Object::Ptr body = new Object;
    body->set("hosts", entries);
    body->stringify(out);
    out << "\n";
  }
  return code;
}

std::optional<ControllerContext> open_context(GlobalOptions& globals, cli::ArgParser& parser,
                                              const std::vector<std::string>& args,
                                              const std::string& command, std::ostream& out,
                                              std::ostream& err, int& code) {
  if (const auto exit = parser.parse_or_exit_code(args, out, err)) {
    code = *exit;
    return std::nullopt;
  }
  auto context = ControllerContext::open(globals, command, err);
  if (!context) {
    code = exit_code::k_invalid_input;
  }
  return context;
}

}  // namespace

int status_command(const std::vector<std::string>& args, std::ostream& out, std::ostream& err) {
  const std::string command = "bosun status";
  GlobalOptions globals;
  cli::ArgParser parser(
      command,
      "The incident view: per host the live release and commit, every service and its state, "
      "failing probes with their evidence; version drift across the stage; and the exact "
      "rollback command when something is unhealthy.");
  globals.add_to(parser);
  parser.epilog("Exit status: 0 every host healthy and on one release, 1 otherwise.\n");
  int code = 0;
  auto context = open_context(globals, parser, args, command, out, err, code);
  if (!context) {
    return code;
  }
  std::vector<HostSession>& hosts = context->hosts();
  const auto statuses = ask_all(hosts, "status", {"--json"});
  const auto releases = ask_all(hosts, "releases", {"--json"});
  std::set<std::string> commits;
  bool unhealthy = false;
  std::vector<std::string> unreachable;
  bool sick = false;           // a reachable host has a service that is not ready
  bool can_roll_back = false;  // ... and an earlier good release
  Poco::JSON::Array::Ptr json_hosts = new Poco::JSON::Array;
  for (std::size_t i = 0; i < hosts.size(); ++i) {
    Object::Ptr entry = new Object(Poco::JSON_PRESERVE_KEY_ORDER);
    entry->set("host", hosts[i].name());
    std::string live = "none";
    std::string commit;
    std::string state;
    std::string good_commit;  // the newest release verified good other than the live one
    std::string good_release;
    std::int64_t good_when = -1;
    if (releases[i].failure.empty() && releases[i].result.exit_code == 0) {
      try {
        const auto list = parse_object(releases[i].result.output)->getArray("releases");
        for (std::size_t r = 0; list && r < list->size(); ++r) {
          const auto release = list->getObject(static_cast<unsigned>(r));
          if (release->optValue<bool>("current", false)) {
            live = release->optValue<std::string>("id", "");
            commit = release->optValue<std::string>("commit", "");
            state = release->optValue<std::string>("state", "");
          } else if (release->optValue<std::string>("state", "") == "good" &&
                     !release->isNull("verified_unix_ms") &&
                     release->getValue<std::int64_t>("verified_unix_ms") > good_when) {
            good_when = release->getValue<std::int64_t>("verified_unix_ms");
            good_commit = release->optValue<std::string>("commit", "");
            good_release = release->optValue<std::string>("id", "");
          }
        }
      } catch (const std::exception&) {
        live = "unreadable";
      }
    }
    if (!commit.empty()) {
      commits.insert(commit);
    }
    entry->set("release", live);
    entry->set("commit", commit);
    entry->set("release_state", state);
    if (!globals.json) {
      out << hosts[i].name() << ": " << live << " (" << short_commit(commit)
          << (state.empty() ? "" : ", " + state) << ")\n";
    }
    // What the live release brought since the last good one (the suspects in an incident).
    if (!good_commit.empty() && !commit.empty() && good_commit != commit) {
      const auto changes = changes_between(globals.config, good_commit, commit);
      Poco::JSON::Object::Ptr since = new Object(Poco::JSON_PRESERVE_KEY_ORDER);
      since->set("last_good_release", good_release);
      since->set("last_good_commit", good_commit);
      if (changes) {
        Poco::JSON::Array::Ptr commits_json = new Poco::JSON::Array;
        for (const std::string& line : changes->commits) {
          commits_json->add(line);
        }
        Poco::JSON::Array::Ptr migrations_json = new Poco::JSON::Array;
        for (const std::string& path : changes->migrations) {
          migrations_json->add(path);
        }
        since->set("commits", commits_json);
        since->set("migrations", migrations_json);
        if (!globals.json) {
          out << "  since the last good release " << good_release << ": " << changes->commits.size()
              << " commit(s), " << changes->migrations.size() << " migration file(s)\n";
          for (const std::string& line : changes->commits) {
            out << "      " << line << "\n";
          }
          for (const std::string& path : changes->migrations) {
            out << "      migration: " << path << "\n";
          }
        }
      } else if (!globals.json) {
        out << "  since the last good release " << good_release << ": " << changes.error() << "\n";
      }
      entry->set("since_last_good", since);
    }
    if (!statuses[i].failure.empty()) {
      unhealthy = true;
      unreachable.push_back(hosts[i].name());
      entry->set("error", statuses[i].failure);
      if (!globals.json) {
        out << "  unreachable: " << statuses[i].failure << "\n";
      }
      json_hosts->add(entry);
      continue;
    }
    Poco::JSON::Array::Ptr services = new Poco::JSON::Array;
    bool host_unhealthy = false;
    try {
      const auto list = parse_object(statuses[i].result.output)->getArray("services");
      for (std::size_t s = 0; list && s < list->size(); ++s) {
        const auto service = list->getObject(static_cast<unsigned>(s));
        services->add(service);
        const std::string name = service->optValue<std::string>("name", "");
        const std::string service_state = service->optValue<std::string>("state", "");
        const bool ok = service_state == "ready";
        host_unhealthy = host_unhealthy || !ok;
        if (!globals.json) {
          out << "  " << pad_column(name, 14) << pad_column(service_state, 12) << "restarts "
              << service->optValue<std::int64_t>("restarts", 0);
          if (!ok) {
            out << "  " << service->optValue<std::string>("last_exit", "");
          }
          out << "\n";
          const std::string probe = service->optValue<std::string>("probe", "");
          if (!ok && !probe.empty() && !probe.starts_with("pass")) {  // failing evidence only
            out << "      probe: " << probe << "\n";
          }
        }
      }
    } catch (const std::exception&) {
      host_unhealthy = true;
    }
    unhealthy = unhealthy || host_unhealthy;
    sick = sick || host_unhealthy;
    can_roll_back = can_roll_back || (host_unhealthy && !good_release.empty());
    entry->set("services", services);
    json_hosts->add(entry);
  }
  const bool drift = commits.size() > 1;
  const std::string rollback_command =
      "bosun rollback -c " + globals.config +
      (context->stage_name().empty() ? "" : " -d " + context->stage_name());
  if (globals.json) {
    Object::Ptr body = new Object(Poco::JSON_PRESERVE_KEY_ORDER);
    body->set("stage", context->stage_name());
    body->set("healthy", !unhealthy);
    body->set("drift", drift);
    Poco::JSON::Array::Ptr unreachable_json = new Poco::JSON::Array;
    for (const std::string& name : unreachable) {
      unreachable_json->add(name);
    }
    body->set("unreachable", unreachable_json);
    if (can_roll_back) {
      body->set("rollback_command", rollback_command);
    }
    body->set("hosts", json_hosts);
    body->stringify(out);
    out << "\n";
  } else {
    if (drift) {
      out << "\nversion drift: the hosts run " << commits.size()
          << " different commits; deploy one commit to all (bosun deploy) or roll back\n";
    }
    if (!unreachable.empty()) {
      // A rollback cannot reach them either: the way back starts with the machine or its sshd.
      out << "\nunreachable: " << join(unreachable, ", ")
          << ". Check that the machine is up and its sshd answers; nothing can be changed "
             "there until then.\n";
    }
    if (can_roll_back) {
      out << "\nsomething is unhealthy. To go back to the last good release everywhere:\n  "
          << rollback_command << "\n";
    } else if (sick) {
      out << "\nsomething is unhealthy, and no unhealthy host has an earlier good release to go "
             "back to: see the failing services above (bosun logs SERVICE, bosun ready).\n";
    }
  }
  return unhealthy || drift ? exit_code::k_failed : exit_code::k_ok;
}

int releases_command(const std::vector<std::string>& args, std::ostream& out, std::ostream& err) {
  const std::string command = "bosun releases";
  GlobalOptions globals;
  cli::ArgParser parser(command, "The releases on every host: state, commit, schema, current.");
  globals.add_to(parser);
  int code = 0;
  auto context = open_context(globals, parser, args, command, out, err, code);
  if (!context) {
    return code;
  }
  const auto answers =
      ask_all(context->hosts(), "releases",
              globals.json ? std::vector<std::string>{"--json"} : std::vector<std::string>{});
  return print_answers(context->hosts(), answers, globals.json, out, err);
}

int ready_command(const std::vector<std::string>& args, std::ostream& out, std::ostream& err) {
  const std::string command = "bosun ready";
  GlobalOptions globals;
  cli::ArgParser parser(
      command,
      "The readiness report of every host of a stage (services, health endpoints, database, "
      "API, env, logs, reachability, certificates, resources), failures first.");
  globals.add_to(parser);
  parser.epilog("Exit status: 0 every host ready, 1 otherwise.\n");
  int code = 0;
  auto context = open_context(globals, parser, args, command, out, err, code);
  if (!context) {
    return code;
  }
  std::vector<HostSession>& hosts = context->hosts();
  const auto answers = ask_all(hosts, "ready", {"--json"});
  bool all_ready = true;
  Poco::JSON::Array::Ptr reports = new Poco::JSON::Array;
  for (std::size_t i = 0; i < hosts.size(); ++i) {
    const auto report = answers[i].failure.empty()
                            ? checks::parse_report_json(answers[i].result.output)
                            : std::nullopt;
    if (!report) {
      all_ready = false;
      err << hosts[i].name() << ": "
          << (answers[i].failure.empty() ? answers[i].result.output : answers[i].failure) << "\n";
      continue;
    }
    all_ready = all_ready && report->ok();
    if (globals.json) {
      reports->add(parse_object(checks::render_json(*report)));
    } else {
      checks::Report named = *report;
      named.host = hosts[i].name();
      out << checks::render_text(named, {!globals.no_color && checks::want_color(1)}) << "\n";
    }
  }
  if (globals.json) {
    Object::Ptr body = new Object;
    body->set("ready", all_ready);
    body->set("reports", reports);
    body->stringify(out);
    out << "\n";
  }
  return all_ready ? exit_code::k_ok : exit_code::k_failed;
}

int logs_command(const std::vector<std::string>& args, std::ostream& out, std::ostream& err) {
  const std::string command = "bosun logs";
  GlobalOptions globals;
  std::string service;
  std::string lines = "50";
  bool follow = false;
  cli::ArgParser parser(command,
                        "A service's log from every host, each line prefixed with its host "
                        "(with --json: one {\"host\", \"line\"} object per line).");
  globals.add_to(parser);
  parser.positional("SERVICE", "the service", service, true)
      .option("lines", 'n', "N", "how many lines (default 50)", lines)
      .flag("follow", 'f', "keep printing new lines (Ctrl-C to stop)", follow);
  int code = 0;
  auto context = open_context(globals, parser, args, command, out, err, code);
  if (!context) {
    return code;
  }
  if (context->manifest().find_service(service) == nullptr) {
    err << command << ": unknown service \"" << service << "\" in " << globals.config << "\n";
    return exit_code::k_invalid_input;
  }
  std::mutex mutex;
  std::vector<std::string> agent_args{service, "-n", lines};
  if (follow) {
    agent_args.emplace_back("-f");
  }
  int result = exit_code::k_ok;
  each_host(context->hosts(), [&](std::size_t, HostSession& host) {
    const RemoteResult run = host.agent(
        "logs", agent_args,
        [&](std::string_view line) {
          std::lock_guard guard(mutex);
          if (globals.json) {
            Object entry(Poco::JSON_PRESERVE_KEY_ORDER);
            entry.set("host", host.name());
            entry.set("line", std::string(line));
            entry.stringify(out);
            out << "\n" << std::flush;
          } else {
            out << host.name() << " | " << line << "\n" << std::flush;
          }
        },
        follow ? milliseconds(24LL * 3600 * 1000) : k_timeout);
    if (run.exit_code != 0) {
      std::lock_guard guard(mutex);
      err << host.name() << ": " << (run.error.empty() ? "logs failed" : run.error) << "\n";
      result = exit_code::k_failed;
    }
  });
  return result;
}

int restart_command(const std::vector<std::string>& args, std::ostream& out, std::ostream& err) {
  const std::string command = "bosun restart";
  GlobalOptions globals;
  std::string service;
  cli::ArgParser parser(command, "Restart a service on every host of a stage.");
  globals.add_to(parser);
  parser.positional("SERVICE", "the service", service, true);
  int code = 0;
  auto context = open_context(globals, parser, args, command, out, err, code);
  if (!context) {
    return code;
  }
  if (context->manifest().find_service(service) == nullptr) {
    err << command << ": unknown service \"" << service << "\" in " << globals.config << "\n";
    return exit_code::k_invalid_input;
  }
  const auto answers = ask_all(context->hosts(), "restart", {service});
  return print_answers(context->hosts(), answers, globals.json, out, err);
}

int lock_command(const std::vector<std::string>& args, std::ostream& out, std::ostream& err) {
  const std::string command = "bosun lock";
  GlobalOptions globals;
  std::string action;
  std::string message;
  std::string ttl = "10m";
  bool force = false;
  cli::ArgParser parser(command,
                        "Take, give back or show the deploy lock on every host of a stage "
                        "(e.g. to freeze deploys during an incident).");
  globals.add_to(parser);
  parser.positional("ACTION", "acquire, release or status", action, true)
      .option("message", 'm', "TEXT", "why, shown to whoever is refused", message)
      .option("ttl", 0, "DURATION", "expiry (default 10m)", ttl)
      .flag("force", 0, "take or release it even when someone else holds it", force);
  int code = 0;
  auto context = open_context(globals, parser, args, command, out, err, code);
  if (!context) {
    return code;
  }
  if (action != "acquire" && action != "release" && action != "status") {
    err << command << ": unknown action \"" << action << "\" (acquire, release or status)\n";
    return exit_code::k_invalid_input;
  }
  std::vector<std::string> agent_args{"--holder", ControllerContext::who()};
  if (action == "acquire") {
    agent_args.insert(agent_args.end(), {"-m", message, "--ttl", ttl});
  }
  if (force) {
    agent_args.emplace_back("--force");
  }
  if (action == "status" && globals.json) {
    agent_args.emplace_back("--json");
  }
  const auto answers = ask_all(context->hosts(), "lock " + action, agent_args);
  return print_answers(context->hosts(), answers, globals.json, out, err);
}

int history_command(const std::vector<std::string>& args, std::ostream& out, std::ostream& err) {
  const std::string command = "bosun history";
  GlobalOptions globals;
  std::string limit = "20";
  bool remote = false;
  cli::ArgParser parser(command,
                        "Deploys and rollbacks run from here (.bosun/history.db beside the "
                        "manifest), newest first; --remote shows each host's own journal.");
  globals.add_to(parser);
  parser.option("limit", 'n', "N", "how many (default 20)", limit)
      .flag("remote", 0, "the hosts' journals instead", remote);
  int code = 0;
  auto context = open_context(globals, parser, args, command, out, err, code);
  if (!context) {
    return code;
  }
  if (limit.empty() || limit.size() > 6 ||
      limit.find_first_not_of("0123456789") != std::string::npos) {
    err << command << ": -n takes a number\n";
    return exit_code::k_invalid_input;
  }
  if (remote) {
    const auto answers = ask_all(context->hosts(), "history",
                                 globals.json ? std::vector<std::string>{"--json", "-n", limit}
                                              : std::vector<std::string>{"-n", limit});
    return print_answers(context->hosts(), answers, globals.json, out, err);
  }
  HistoryStore store(context->project_dir() + "/.bosun/history.db");
  const auto entries = store.recent(std::stoul(limit));
  if (globals.json) {
    Poco::JSON::Array::Ptr list = new Poco::JSON::Array;
    for (const HistoryEntry& entry : entries) {
      Object::Ptr item = new Object(Poco::JSON_PRESERVE_KEY_ORDER);
      item->set("id", entry.id);
      item->set("kind", entry.kind);
      item->set("stage", entry.stage);
      item->set("who", entry.who);
      item->set("commit", entry.commit);
      item->set("started_unix_ms", entry.started_unix_ms);
      item->set("duration_ms", entry.finished_unix_ms - entry.started_unix_ms);
      item->set("ok", entry.ok);
      item->set("summary", entry.summary);
      Poco::JSON::Array::Ptr hosts = new Poco::JSON::Array;
      for (const HostOutcome& host : entry.hosts) {
        Object::Ptr h = new Object(Poco::JSON_PRESERVE_KEY_ORDER);
        h->set("host", host.host);
        h->set("from_commit", host.from_commit);
        h->set("to_commit", host.to_commit);
        h->set("result", host.result);
        h->set("duration_ms", host.took.count());
        h->set("reason", host.reason);
        hosts->add(h);
      }
      item->set("hosts", hosts);
      list->add(item);
    }
    Object::Ptr body = new Object;
    body->set("runs", list);
    body->stringify(out);
    out << "\n";
    return exit_code::k_ok;
  }
  if (entries.empty()) {
    out << "no deploys or rollbacks run from here yet\n";
  }
  for (const HistoryEntry& entry : entries) {
    out << "#" << entry.id << " " << entry.kind << " " << short_commit(entry.commit) << " to "
        << (entry.stage.empty() ? "hosts" : entry.stage) << " by " << entry.who << ": "
        << (entry.ok ? "ok" : "FAILED") << ", " << entry.summary << " in "
        << format_duration(milliseconds(entry.finished_unix_ms - entry.started_unix_ms)) << "\n";
    for (const HostOutcome& host : entry.hosts) {
      out << "    " << pad_column(host.host, 22)
          << pad_column(short_commit(host.from_commit) + " -> " + short_commit(host.to_commit), 22)
          << pad_column(host.result, 12) << format_duration(host.took) << "\n";
    }
  }
  return exit_code::k_ok;
}

}  // namespace bosun::controller
