// `bosun-agent lock acquire|release|status`: the deploy lock in state.db, for the controller
// (every host of a stage locked before the first change) and for people.
#include <thread>

#include <Poco/JSON/Object.h>

#include "bosun/common/cli.hpp"
#include "bosun/common/duration.hpp"
#include "bosun/common/exit_codes.hpp"
#include "cli/agent_client_support.hpp"
#include "cli/agent_commands.hpp"
#include "core/host_layout.hpp"
#include "state/deploy_lock.hpp"
#include "state/journal.hpp"

namespace bosun::agent::cli {

using Poco::JSON::Object;

namespace {

int show_lock(state::DeployLock& lock, bool json, std::ostream& out) {
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
    out << (current ? "locked: " + describe_lock(*current, state::now_unix_ms())
                    : std::string("unlocked"))
        << "\n";
  }
  return exit_code::k_ok;
}

int release_lock(state::DeployLock& lock, const std::string& holder, bool force, std::ostream& out,
                 std::ostream& err) {
  if (!lock.release(holder, force)) {
    const auto current = lock.status();
    err << "bosun-agent lock: "
        << (current ? "not yours to release: " + describe_lock(*current, state::now_unix_ms()) +
                          " (--force to release it)"
                    : std::string("the lock is not held"))
        << "\n";
    return exit_code::k_failed;
  }
  out << "released\n";
  return exit_code::k_ok;
}

int acquire_lock(state::DeployLock& lock, const std::string& holder, const std::string& message,
                 Duration ttl, Duration wait, bool force, std::ostream& out, std::ostream& err) {
  const auto deadline = std::chrono::steady_clock::now() + wait;
  while (true) {
    const std::int64_t now = state::now_unix_ms();
    const state::LockOutcome outcome =
        lock.acquire({holder, message, now, now + ttl.count()}, force, now);
    if (outcome.acquired) {
      if (outcome.took_over) {
        out << "took over the lock (it was " << state::describe_lock(*outcome.previous, now)
            << ")\n";
      }
      out << "lock acquired by " << holder << ", expires in " << format_duration(ttl) << "\n";
      return exit_code::k_ok;
    }
    if (std::chrono::steady_clock::now() >= deadline) {
      err << "bosun-agent lock: locked, " << state::describe_lock(*outcome.previous, now)
          << "; wait with --wait DURATION, or --force if that holder is gone\n";
      return exit_code::k_failed;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
}

}  // namespace

int lock_command(const std::vector<std::string>& args, std::ostream& out, std::ostream& err) {
  std::string action;
  std::string root;
  std::string holder;
  std::string message;
  std::string ttl = "10m";
  std::string wait;
  bool force = false;
  bool json = false;
  bosun::cli::ArgParser parser(
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
  state::DeployLock lock(HostLayout{root}.state_db().string());
  if (action == "status") {
    return show_lock(lock, json, out);
  }
  if (action == "release") {
    return release_lock(lock, holder, force, out, err);
  }
  if (action != "acquire") {
    err << "bosun-agent lock: unknown action \"" << action << "\" (acquire, release or status)\n";
    return exit_code::k_invalid_input;
  }
  return acquire_lock(lock, holder, message, *ttl_value, *wait_value, force, out, err);
}

}  // namespace bosun::agent::cli
