// The service commands, each one request to the running agent's API: status, start, stop,
// restart, logs (-f follows), events, metrics, stop-all.
#include <ctime>
#include <thread>

#include <Poco/JSON/Array.h>
#include <Poco/JSON/Object.h>

#include "bosun/common/cli.hpp"
#include "bosun/common/duration.hpp"
#include "bosun/common/exit_codes.hpp"
#include "bosun/common/text.hpp"
#include "cli/agent_client_support.hpp"
#include "cli/agent_commands.hpp"
#include "state/journal.hpp"

namespace bosun::agent::cli {

using Poco::JSON::Object;

namespace {

std::string age(std::int64_t since_unix_ms) {
  if (since_unix_ms <= 0) {
    return "-";
  }
  const auto seconds = std::max<std::int64_t>(0, (state::now_unix_ms() - since_unix_ms) / 1000);
  return format_duration(std::chrono::seconds(seconds));
}

}  // namespace

int status_command(const std::vector<std::string>& args, std::ostream& out, std::ostream& err) {
  SocketOptions socket;
  bool json = false;
  bosun::cli::ArgParser parser("bosun-agent status",
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
  bosun::cli::ArgParser parser("bosun-agent " + action,
                               action == "start"  ? "Start a stopped service."
                               : action == "stop" ? "Stop a service gracefully (its stop "
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
  bosun::cli::ArgParser parser("bosun-agent logs", "Print a service's log (stdout and stderr).");
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
  bosun::cli::ArgParser parser(
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
      since_ms = state::now_unix_ms() - ago->count();
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
  bosun::cli::ArgParser parser("bosun-agent " + command, summary);
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

}  // namespace bosun::agent::cli
