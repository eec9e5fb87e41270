#include "cli/host_commands.hpp"

#include <mutex>

#include <Poco/JSON/Array.h>
#include <Poco/JSON/Object.h>
#include <Poco/JSON/Parser.h>

#include "bosun/checks/report.hpp"
#include "bosun/common/duration.hpp"
#include "bosun/common/exit_codes.hpp"
#include "bosun/common/text.hpp"
#include "cli/controller_context.hpp"
#include "cli/progress_printer.hpp"
#include "host/host_queries.hpp"
#include "project/history_store.hpp"

namespace bosun::controller::cli {
namespace {

using Poco::JSON::Object;
using std::chrono::milliseconds;

Object::Ptr parse_object(const std::string& text) {
  Poco::JSON::Parser parser;
  return parser.parse(text).extract<Object::Ptr>();
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
int print_answers(std::vector<host::HostSession>& hosts, const std::vector<host::Answer>& answers,
                  bool json, std::ostream& out, std::ostream& err) {
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

}  // namespace

int releases_command(const std::vector<std::string>& args, std::ostream& out, std::ostream& err) {
  const std::string command = "bosun releases";
  GlobalOptions globals;
  bosun::cli::ArgParser parser(command,
                               "The releases on every host: state, commit, schema, current.");
  globals.add_to(parser);
  int code = 0;
  auto context = host::open_context(globals, parser, args, command, out, err, code);
  if (!context) {
    return code;
  }
  const auto answers =
      host::ask_all(context->hosts(), "releases",
                    globals.json ? std::vector<std::string>{"--json"} : std::vector<std::string>{});
  return print_answers(context->hosts(), answers, globals.json, out, err);
}

int ready_command(const std::vector<std::string>& args, std::ostream& out, std::ostream& err) {
  const std::string command = "bosun ready";
  GlobalOptions globals;
  bosun::cli::ArgParser parser(
      command,
      "The readiness report of every host of a stage (services, health endpoints, database, "
      "API, env, logs, reachability, certificates, resources), failures first.");
  globals.add_to(parser);
  parser.epilog("Exit status: 0 every host ready, 1 otherwise.\n");
  int code = 0;
  auto context = host::open_context(globals, parser, args, command, out, err, code);
  if (!context) {
    return code;
  }
  std::vector<host::HostSession>& hosts = context->hosts();
  const auto answers = host::ask_all(hosts, "ready", {"--json"});
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
  bosun::cli::ArgParser parser(command,
                               "A service's log from every host, each line prefixed with its host "
                               "(with --json: one {\"host\", \"line\"} object per line).");
  globals.add_to(parser);
  parser.positional("SERVICE", "the service", service, true)
      .option("lines", 'n', "N", "how many lines (default 50)", lines)
      .flag("follow", 'f', "keep printing new lines (Ctrl-C to stop)", follow);
  int code = 0;
  auto context = host::open_context(globals, parser, args, command, out, err, code);
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
  host::each_host(context->hosts(), [&](std::size_t, host::HostSession& host) {
    const transport::RemoteResult run = host.agent(
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
        follow ? milliseconds(24LL * 3600 * 1000) : host::k_query_timeout);
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
  bosun::cli::ArgParser parser(command, "Restart a service on every host of a stage.");
  globals.add_to(parser);
  parser.positional("SERVICE", "the service", service, true);
  int code = 0;
  auto context = host::open_context(globals, parser, args, command, out, err, code);
  if (!context) {
    return code;
  }
  if (context->manifest().find_service(service) == nullptr) {
    err << command << ": unknown service \"" << service << "\" in " << globals.config << "\n";
    return exit_code::k_invalid_input;
  }
  const auto answers = host::ask_all(context->hosts(), "restart", {service});
  return print_answers(context->hosts(), answers, globals.json, out, err);
}

int lock_command(const std::vector<std::string>& args, std::ostream& out, std::ostream& err) {
  const std::string command = "bosun lock";
  GlobalOptions globals;
  std::string action;
  std::string message;
  std::string ttl = "10m";
  bool force = false;
  bosun::cli::ArgParser parser(command,
                               "Take, give back or show the deploy lock on every host of a stage "
                               "(e.g. to freeze deploys during an incident).");
  globals.add_to(parser);
  parser.positional("ACTION", "acquire, release or status", action, true)
      .option("message", 'm', "TEXT", "why, shown to whoever is refused", message)
      .option("ttl", 0, "DURATION", "expiry (default 10m)", ttl)
      .flag("force", 0, "take or release it even when someone else holds it", force);
  int code = 0;
  auto context = host::open_context(globals, parser, args, command, out, err, code);
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
  const auto answers = host::ask_all(context->hosts(), "lock " + action, agent_args);
  return print_answers(context->hosts(), answers, globals.json, out, err);
}

namespace {

void print_history_json(const std::vector<project::HistoryEntry>& entries, std::ostream& out) {
  Poco::JSON::Array::Ptr list = new Poco::JSON::Array;
  for (const project::HistoryEntry& entry : entries) {
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
    for (const fleet::HostOutcome& host : entry.hosts) {
      Object::Ptr h = new Object(Poco::JSON_PRESERVE_KEY_ORDER);
      h->set("host", host.host);
      h->set("from_commit", host.from_commit);
      h->set("to_commit", host.to_commit);
      h->set("result", std::string(to_string(host.result)));
      h->set("duration_ms", host.took.count());
      h->set("reason", host.reason);
      h->set("restored_backup", host.restored_backup);
      hosts->add(h);
    }
    item->set("hosts", hosts);
    list->add(item);
  }
  Object::Ptr body = new Object;
  body->set("runs", list);
  body->stringify(out);
  out << "\n";
}

void print_history(const std::vector<project::HistoryEntry>& entries, std::ostream& out) {
  if (entries.empty()) {
    out << "no deploys or rollbacks run from here yet\n";
  }
  for (const project::HistoryEntry& entry : entries) {
    out << "#" << entry.id << " " << entry.kind << " " << short_commit(entry.commit) << " to "
        << (entry.stage.empty() ? "hosts" : entry.stage) << " by " << entry.who << ": "
        << (entry.ok ? "ok" : "FAILED") << ", " << entry.summary << " in "
        << format_duration(milliseconds(entry.finished_unix_ms - entry.started_unix_ms)) << "\n";
    for (const fleet::HostOutcome& host : entry.hosts) {
      out << "    " << pad_column(host.host, 22)
          << pad_column(short_commit(host.from_commit) + " -> " + short_commit(host.to_commit), 22)
          << pad_column(std::string(to_string(host.result)), 12) << format_duration(host.took)
          << "\n";
      if (!host.restored_backup.empty()) {  // data was lost: never hidden behind a result
        out << "      data: " << host.restored_backup << "\n";
      }
    }
  }
}

}  // namespace

int history_command(const std::vector<std::string>& args, std::ostream& out, std::ostream& err) {
  const std::string command = "bosun history";
  GlobalOptions globals;
  std::string limit = "20";
  bool remote = false;
  bosun::cli::ArgParser parser(command,
                               "Deploys and rollbacks run from here (.bosun/history.db beside the "
                               "manifest), newest first; --remote shows each host's own journal.");
  globals.add_to(parser);
  parser.option("limit", 'n', "N", "how many (default 20)", limit)
      .flag("remote", 0, "the hosts' journals instead", remote);
  int code = 0;
  auto context = host::open_context(globals, parser, args, command, out, err, code);
  if (!context) {
    return code;
  }
  if (limit.empty() || limit.size() > 6 ||
      limit.find_first_not_of("0123456789") != std::string::npos) {
    err << command << ": -n takes a number\n";
    return exit_code::k_invalid_input;
  }
  if (remote) {
    const auto answers =
        host::ask_all(context->hosts(), "history",
                      globals.json ? std::vector<std::string>{"--json", "-n", limit}
                                   : std::vector<std::string>{"-n", limit});
    return print_answers(context->hosts(), answers, globals.json, out, err);
  }
  std::vector<project::HistoryEntry> entries;
  try {
    project::HistoryStore store(context->project_dir() + "/.bosun/history.db");
    entries = store.recent(std::stoul(limit));
  } catch (const std::runtime_error& error) {
    err << command << ": " << error.what() << "\n";
    return exit_code::k_failed;
  }
  if (globals.json) {
    print_history_json(entries, out);
  } else {
    print_history(entries, out);
  }
  return exit_code::k_ok;
}

}  // namespace bosun::controller::cli
