#include "cli/deploy_cli.hpp"

#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <thread>

#include <Poco/JSON/Array.h>
#include <Poco/URI.h>

#include "bosun/common/duration.hpp"
#include "bosun/common/exit_codes.hpp"
#include "bosun/common/text.hpp"
#include "cli/agent_client_support.hpp"

namespace bosun::agent::cli {
namespace {

using Poco::JSON::Object;

std::string encode(const std::string& value) {
  std::string encoded;
  Poco::URI::encode(value, "&=+?#/:@ ", encoded);
  return encoded;
}

void print_event(const Object::Ptr& event, std::ostream& out) {
  const std::string type = event->optValue<std::string>("type", "");
  const std::string message = event->optValue<std::string>("message", "");
  if (type == "run-started" || type == "note") {
    out << (type == "note" ? "  note: " : "") << message << "\n";
  } else if (type == "step-finished") {
    const std::string outcome = event->optValue<std::string>("outcome", "");
    const auto took = std::chrono::milliseconds(event->optValue<std::int64_t>("duration_ms", 0));
    out << "  " << pad_column(event->optValue<std::string>("step", ""), 17)
        << pad_column(outcome == "failed" ? "FAILED" : outcome, 8)
        << pad_column(format_duration(took), 8) << message << "\n";
  } else if (type == "run-finished") {
    out << event->optValue<std::string>("outcome", "") << ": " << message << "\n";
    if (const std::string restored = event->optValue<std::string>("restored_backup", "");
        !restored.empty()) {
      out << "  data: " << restored << "\n";
    }
  }
  if (const auto evidence = event->getArray("evidence")) {
    for (std::size_t i = 0; i < evidence->size(); ++i) {
      out << "      " << evidence->getElement<std::string>(static_cast<unsigned>(i)) << "\n";
    }
  }
}

// Follows a run's events until it ends; returns the run's exit code.
int follow(const SocketOptions& socket, std::int64_t key, bool json, const std::string& command,
           std::ostream& out, std::ostream& err) {
  std::size_t seen = 0;
  while (true) {
    const std::string path = "/v1/runs/" + std::to_string(key) +
                             "/events?after=" + std::to_string(seen) + "&wait_ms=10000";
    const auto response = call(socket, "GET", path, command, err);
    if (!response) {
      err << command << ": lost the agent; a deploy it was running is finished or undone when "
          << "it starts again (see `bosun-agent history`)\n";
      return exit_code::k_failed;
    }
    const Object::Ptr page = parse_object(response->body);
    const auto events = page->getArray("events");
    for (std::size_t i = 0; events && i < events->size(); ++i) {
      const Object::Ptr event = events->getObject(static_cast<unsigned>(i));
      if (json) {
        event->stringify(out);
        out << "\n";
      } else {
        print_event(event, out);
      }
      ++seen;
    }
    out.flush();
    if (page->optValue<bool>("done", false)) {
      return page->optValue<int>("exit_code", exit_code::k_failed);
    }
  }
}

std::optional<std::int64_t> start(const SocketOptions& socket, const std::string& path,
                                  const std::string& command, std::ostream& err) {
  const auto response = call(socket, "POST", path, command, err);
  if (!response) {
    return std::nullopt;
  }
  return parse_object(response->body)->getValue<std::int64_t>("run");
}

bool parse_wait(const std::string& text, std::int64_t& ms, const std::string& command,
                const std::string& option, std::ostream& err) {
  if (text.empty()) {
    return true;
  }
  const auto value = parse_duration(text);
  if (!value) {
    err << command << ": --" << option << " takes a duration such as 30s or 5m: " << value.error()
        << "\n";
    return false;
  }
  ms = value->count();
  return true;
}

}  // namespace

int deploy_command(const std::vector<std::string>& args, std::ostream& out, std::ostream& err) {
  const std::string command = "bosun-agent deploy";
  SocketOptions socket;
  std::string commit;
  std::string ref;
  std::string who;
  std::string repo;
  std::string manifest;
  std::string playbook;
  std::string lock_wait;
  bool json = false;
  bosun::cli::ArgParser parser(
      command,
      "Deploy a commit on this host: the agent daemon runs the playbook (lock, fetch, checkout, "
      "build, preflight, backup, migrate, switch, restart, verify, prune and hooks), journals "
      "every step, and rolls back by itself when anything fails after the switch. This command "
      "follows its progress; if it is interrupted the deploy goes on in the daemon.");
  socket.add_to(parser);
  parser.option("commit", 0, "SHA", "the commit to deploy", commit)
      .option("ref", 0, "REF", "or a branch or tag, resolved on the host", ref)
      .option("who", 0, "NAME", "recorded in the history and the lock (default: $USER@host)", who)
      .option("repo", 0, "URL", "fetch from here instead of the manifest's repo", repo)
      .option("manifest", 0, "PATH", "the manifest inside the release (default: app.yaml)",
              manifest)
      .option("playbook", 0, "FILE", "a playbook file on this host (default: the shipped one)",
              playbook)
      .option("lock-wait", 0, "DURATION", "wait this long for a held lock (default: refuse)",
              lock_wait)
      .flag("json", 0, "print each event as one JSON line", json)
      .epilog(
          "Exit status: 0 deployed and verified, 1 failed (rolled back or left untouched), "
          "2 refused (bad request, another run in progress).\n");
  if (const auto code = parser.parse_or_exit_code(args, out, err)) {
    return *code;
  }
  if (commit.empty() == ref.empty()) {
    err << command << ": give exactly one of --commit SHA or --ref REF\n";
    return exit_code::k_invalid_input;
  }
  std::int64_t lock_wait_ms = 0;
  if (!parse_wait(lock_wait, lock_wait_ms, command, "lock-wait", err)) {
    return exit_code::k_invalid_input;
  }
  std::string path = "/v1/deploys?ref=" + encode(commit.empty() ? ref : commit) +
                     "&who=" + encode(who.empty() ? default_operator() : who) +
                     "&lock_wait_ms=" + std::to_string(lock_wait_ms);
  if (!repo.empty()) {
    path += "&repo=" + encode(repo);
  }
  if (!manifest.empty()) {
    path += "&manifest=" + encode(manifest);
  }
  if (!playbook.empty()) {
    path += "&playbook=" + encode(playbook);
  }
  const auto key = start(socket, path, command, err);
  if (!key) {
    return exit_code::k_invalid_input;
  }
  return follow(socket, *key, json, command, out, err);
}

int rollback_command(const std::vector<std::string>& args, std::ostream& out, std::ostream& err) {
  const std::string command = "bosun-agent rollback";
  SocketOptions socket;
  std::string to;
  std::string db = "auto";
  std::string who;
  std::string window = "0s";
  std::string lock_wait;
  bool force = false;
  bool json = false;
  bosun::cli::ArgParser parser(
      command,
      "Go back to an earlier release, by default the last one that was verified good (no "
      "version to type during an incident): switch, restart what changed, verify. The schema "
      "is migrated down with the leaving release's own scripts first, or restored from the "
      "backup, or left alone.");
  socket.add_to(parser);
  parser
      .option("to", 0, "RELEASE",
              "a release id or a prefix of it, a commit (full or short), a tag or a branch", to)
      .option("db", 0, "MODE",
              "auto (the manifest's rollback setting), down, restore or none (default auto)", db)
      .flag("force", 0, "with --db restore: also across a migration marked irreversible", force)
      .option("who", 0, "NAME", "recorded in the history (default: $USER@host)", who)
      .option("window", 0, "DURATION", "stability window of the verify (default 0s)", window)
      .option("lock-wait", 0, "DURATION", "wait this long for a held lock (default: refuse)",
              lock_wait)
      .flag("json", 0, "print each event as one JSON line", json)
      .epilog(
          "Exit status: 0 rolled back and verified, 1 failed, 2 refused (no such release, "
          "an irreversible migration, locked).\n");
  if (const auto code = parser.parse_or_exit_code(args, out, err)) {
    return *code;
  }
  if (db != "auto" && db != "down" && db != "restore" && db != "none") {
    err << command << ": --db takes auto, down, restore or none, not \"" << db << "\"\n";
    return exit_code::k_invalid_input;
  }
  std::int64_t lock_wait_ms = 0;
  std::int64_t window_ms = 0;
  if (!parse_wait(lock_wait, lock_wait_ms, command, "lock-wait", err) ||
      !parse_wait(window, window_ms, command, "window", err)) {
    return exit_code::k_invalid_input;
  }
  std::string path = "/v1/rollbacks?who=" + encode(who.empty() ? default_operator() : who) +
                     "&db=" + db + "&window_ms=" + std::to_string(window_ms) +
                     "&lock_wait_ms=" + std::to_string(lock_wait_ms) + (force ? "&force=1" : "");
  if (!to.empty()) {
    path += "&to=" + encode(to);
  }
  const auto key = start(socket, path, command, err);
  if (!key) {
    return exit_code::k_invalid_input;
  }
  return follow(socket, *key, json, command, out, err);
}

}  // namespace bosun::agent::cli
