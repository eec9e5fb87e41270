#include "deploy/deploy_actions.hpp"

#include <algorithm>
#include <thread>

#include "bosun/checks/check_runner.hpp"
#include "bosun/common/duration.hpp"
#include "bosun/manifest/command_expansion.hpp"
#include "deploy/steps/step_command.hpp"
#include "release/release_membership.hpp"
#include "supervise/log_files.hpp"

namespace bosun::agent::deploy {
namespace {

using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

constexpr milliseconds k_poll_every{50};
constexpr std::size_t k_log_lines = 15;

bool hopeless(supervise::ServiceState state) {
  return state == supervise::ServiceState::crash_loop || state == supervise::ServiceState::failed ||
         state == supervise::ServiceState::exited;
}

// What a person needs to see about a service that let a deploy down.
std::vector<std::string> service_evidence(const supervise::ServiceStatus& status) {
  std::vector<std::string> lines;
  lines.push_back(status.name + ": " + to_string(status.state) +
                  (status.last_exit.empty() ? "" : ", last exit: " + status.last_exit) +
                  ", restarts: " + std::to_string(status.restarts));
  if (!status.probe.empty()) {
    lines.push_back(status.name + " probe: " + status.probe);
  }
  std::vector<std::string> log = status.evidence;
  if (log.empty()) {
    log = supervise::tail_lines(status.log_path, k_log_lines);
  }
  if (log.size() > k_log_lines) {
    log.erase(log.begin(), log.end() - static_cast<std::ptrdiff_t>(k_log_lines));
  }
  if (log.empty() && hopeless(status.state)) {
    // The seeds' container that restarted with empty logs: its .env had never reached it.
    std::string given;
    for (const std::string& name : status.container_env) {
      given += (given.empty() ? "" : ", ") + name;
    }
    lines.push_back(status.name + " log (" + status.log_path +
                    "): empty, it printed nothing before it exited. A program missing a setting "
                    "often exits like this" +
                    (status.container_env.empty()
                         ? std::string(": check the variables and files it needs (shared/.env)")
                         : "; the container was given " + given +
                               " (the manifest's env and shared/.env): is one it needs missing?"));
    return lines;
  }
  lines.push_back(status.name + " log (" + status.log_path + "), last lines:");
  for (const std::string& line : log) {
    lines.push_back("  " + line);
  }
  return lines;
}

// An overlap start whose new instance could not bind the port: the running instance holds it
// without SO_REUSEPORT (uvicorn without a wrapper, Node, most servers).
bool failed_to_share_the_port(const std::vector<std::string>& evidence) {
  return std::any_of(evidence.begin(), evidence.end(), [](const std::string& line) {
    return line.find("Address already in use") != std::string::npos ||
           line.find("address already in use") != std::string::npos ||
           line.find("EADDRINUSE") != std::string::npos;
  });
}

StepResult explain_overlap_failure(StepResult result, const std::string& service) {
  if (failed_to_share_the_port(result.evidence)) {
    result.detail = service +
                    " could not bind its port beside the running instance (EADDRINUSE): the "
                    "running instance holds the port without SO_REUSEPORT: use `deploy: "
                    "restart`, or a hand-over mechanism (" +
                    result.detail + ")";
  }
  return result;
}

StepResult wait_for_new_instance(supervise::Supervisor& supervisor,
                                 const supervise::ServiceSpec& spec, std::uint64_t before,
                                 milliseconds timeout) {
  const auto deadline = Clock::now() + timeout;
  std::optional<supervise::ServiceStatus> status;
  while (true) {
    status = supervise::status_of(supervisor, spec.name);
    if (status && status->instance > before) {
      if (status->state == supervise::ServiceState::ready && status->leaving == 0) {
        return StepResult::ok("ready");
      }
      if (hopeless(status->state) || status->state == supervise::ServiceState::unhealthy) {
        // unhealthy: its readiness deadline passed
        return StepResult::failed(spec.name + " did not come up: " + to_string(status->state) +
                                      (status->last_exit.empty() ? "" : ", " + status->last_exit),
                                  service_evidence(*status));
      }
    }
    if (Clock::now() >= deadline) {
      break;
    }
    std::this_thread::sleep_for(k_poll_every);
  }
  if (!status) {
    return StepResult::failed(spec.name + " is not known to the supervisor");
  }
  return StepResult::failed(spec.name + " was not ready within " + format_duration(timeout) + " (" +
                                to_string(status->state) + ")",
                            service_evidence(*status));
}

milliseconds restart_timeout(const supervise::ServiceSpec& spec) {
  const milliseconds ready = spec.ready ? milliseconds(spec.ready->timeout) : milliseconds(0);
  // deploy: proxy: the old instance drains before it is told to stop.
  const milliseconds drain = spec.proxy ? spec.proxy->drain_timeout : milliseconds(0);
  return ready + drain + milliseconds(spec.stop.timeout) + milliseconds(5000);
}

StepResult check_release_processes(supervise::Supervisor& supervisor,
                                   const VerifySettings& settings) {
  if (settings.release_dir.empty()) {
    return StepResult::ok("");
  }
  for (const supervise::ServiceStatus& status : supervisor.snapshot()) {
    const bool of_release =
        std::find(settings.release_services.begin(), settings.release_services.end(),
                  status.name) != settings.release_services.end();
    if (!of_release || status.pid <= 0) {
      continue;
    }
    if (const auto outside = release::runs_outside_release(status.pid, settings.release_dir)) {
      std::vector<std::string> evidence{status.name + ": " + *outside};
      const auto more = service_evidence(status);
      evidence.insert(evidence.end(), more.begin(), more.end());
      return StepResult::failed(status.name + " is not running the deployed release: " + *outside,
                                evidence);
    }
  }
  return StepResult::ok("");
}

}  // namespace

StepResult restart_services(supervise::Supervisor& supervisor, const release::RestartPlan& plan,
                            const std::vector<supervise::ServiceSpec>& next) {
  for (const std::string& name : plan.removed) {
    if (const std::string error = supervise::await_reply(supervisor.retire(name)); !error.empty()) {
      return StepResult::failed("removing " + name + ": " + error);
    }
  }
  std::vector<std::string> done;
  for (const release::ServiceChange& change : plan.services) {
    const auto spec = std::find_if(next.begin(), next.end(), [&](const supervise::ServiceSpec& s) {
      return s.name == change.name;
    });
    if (spec == next.end()) {
      continue;
    }
    // (The supervisor defers an overlap start while older instances are still stopping.)
    const auto before = supervise::status_of(supervisor, change.name);
    if (const std::string error = supervise::await_reply(supervisor.update(*spec, change.mode));
        !error.empty()) {
      return StepResult::failed("updating " + change.name + ": " + error);
    }
    if (change.mode == supervise::UpdateMode::in_place) {
      continue;
    }
    StepResult ready = wait_for_new_instance(supervisor, *spec, before ? before->instance : 0,
                                             restart_timeout(*spec));
    if (ready.failed()) {
      return change.mode == supervise::UpdateMode::overlap
                 ? explain_overlap_failure(ready, change.name)
                 : ready;
    }
    done.push_back(change.name +
                   (change.mode == supervise::UpdateMode::overlap ? " (overlap)" : "") + ": " +
                   change.why);
  }
  if (done.empty()) {
    return StepResult::ok("no service needed a restart");
  }
  std::string detail = "restarted ";
  for (std::size_t i = 0; i < done.size(); ++i) {
    detail += (i == 0 ? "" : "; ") + done[i];
  }
  return StepResult::ok(detail);
}

StepResult start_service(supervise::Supervisor& supervisor, const supervise::ServiceSpec& spec) {
  const auto before = supervise::status_of(supervisor, spec.name);
  if (const std::string error =
          supervise::await_reply(supervisor.update(spec, supervise::UpdateMode::restart));
      !error.empty()) {
    return StepResult::failed("starting " + spec.name + ": " + error);
  }
  return wait_for_new_instance(supervisor, spec, before ? before->instance : 0,
                               restart_timeout(spec));
}

StepResult await_service_ready(supervise::Supervisor& supervisor,
                               const supervise::ServiceSpec& spec) {
  const auto now = supervise::status_of(supervisor, spec.name);
  if (!now) {
    return StepResult::failed(spec.name + " is not known to the supervisor");
  }
  // The instance running now counts as well as any restart of it.
  return wait_for_new_instance(supervisor, spec, now->instance > 0 ? now->instance - 1 : 0,
                               restart_timeout(spec));
}

manifest::CheckSpec expand_check(manifest::CheckSpec spec,
                                 const std::map<std::string, std::string>& variables) {
  auto expanded = manifest::expand_check(std::move(spec), variables);
  if (!expanded) {
    throw std::runtime_error("cannot run the check: " + expanded.error());
  }
  return std::move(*expanded);
}

namespace {

using CheckFailure = std::optional<std::pair<std::string, checks::CheckResult>>;

// 1. every service ready (a one-shot that exited cleanly counts as done), by the deadline
StepResult wait_until_all_ready(supervise::Supervisor& supervisor, Clock::time_point deadline) {
  while (true) {
    const auto services = supervisor.snapshot();
    const auto waiting = std::find_if(services.begin(), services.end(), [](const auto& s) {
      return s.state != supervise::ServiceState::ready && !supervise::finished_cleanly(s);
    });
    if (waiting == services.end()) {
      return StepResult::ok("every service ready");
    }
    if (hopeless(waiting->state) || Clock::now() >= deadline) {
      return StepResult::failed(
          waiting->name + " is " + to_string(waiting->state) + " instead of ready",
          service_evidence(*waiting));
    }
    std::this_thread::sleep_for(k_poll_every);
  }
}

// The first smoke check that fails, if any.
CheckFailure failing_check(const VerifySettings& settings) {
  checks::CheckContext context;
  context.env = settings.env;
  context.cwd = settings.cwd;
  for (const manifest::CheckSpec& check : settings.checks) {
    checks::CheckResult result = checks::run_check(check.kind, context);
    if (!result.passed()) {
      return std::pair{manifest::check_kind_name(check.kind), result};
    }
  }
  return std::nullopt;
}

// 2. the smoke checks pass (retried until the deadline: a cache may still be warming up)
StepResult wait_for_checks(const VerifySettings& settings, Clock::time_point deadline) {
  while (auto failure = failing_check(settings)) {
    if (Clock::now() >= deadline) {
      std::vector<std::string> evidence{"check " + failure->first + ": " +
                                        failure->second.evidence};
      if (!failure->second.action.empty()) {
        evidence.push_back("action: " + failure->second.action);
      }
      return StepResult::failed(
          "smoke check " + failure->first + " failed: " + failure->second.evidence, evidence);
    }
    std::this_thread::sleep_for(milliseconds(200));
  }
  return StepResult::ok("smoke checks passed");
}

// 3. stable for the window: the same instances, all ready, no liveness failure
StepResult hold_for_window(supervise::Supervisor& supervisor,
                           const std::vector<supervise::ServiceStatus>& baseline,
                           milliseconds window) {
  const auto window_end = Clock::now() + window;
  while (Clock::now() < window_end) {
    for (const supervise::ServiceStatus& now : supervisor.snapshot()) {
      const auto before = std::find_if(baseline.begin(), baseline.end(),
                                       [&](const auto& b) { return b.name == now.name; });
      const bool restarted = before != baseline.end() && before->instance != now.instance;
      const bool finished = supervise::finished_cleanly(now);
      if (restarted || (now.state != supervise::ServiceState::ready && !finished) ||
          now.liveness_failures > 0) {
        const std::string what = restarted                   ? "restarted"
                                 : now.liveness_failures > 0 ? "failed its liveness probe"
                                                             : "became " + to_string(now.state);
        return StepResult::failed(now.name + " " + what + " during the " + format_duration(window) +
                                      " stability window" +
                                      (now.last_exit.empty() ? "" : " (" + now.last_exit + ")"),
                                  service_evidence(now));
      }
    }
    std::this_thread::sleep_for(
        std::min<Clock::duration>(milliseconds(100), window_end - Clock::now()));
  }
  return StepResult::ok("stable");
}

}  // namespace

StepResult verify_services(supervise::Supervisor& supervisor, const VerifySettings& settings) {
  const auto deadline = Clock::now() + settings.timeout;
  if (StepResult ready = wait_until_all_ready(supervisor, deadline); ready.failed()) {
    return ready;
  }
  // ... and what belongs to the release runs from it
  if (StepResult stale = check_release_processes(supervisor, settings); stale.failed()) {
    return stale;
  }
  if (StepResult checked = wait_for_checks(settings, deadline); checked.failed()) {
    return checked;
  }
  const auto baseline = supervisor.snapshot();
  if (StepResult stable = hold_for_window(supervisor, baseline, settings.window); stable.failed()) {
    return stable;
  }
  if (settings.window.count() > 0) {
    if (auto failure = failing_check(settings)) {
      return StepResult::failed(
          "smoke check " + failure->first + " failed after the window: " + failure->second.evidence,
          {"check " + failure->first + ": " + failure->second.evidence});
    }
  }
  return StepResult::ok(std::to_string(baseline.size()) + " service(s) ready, " +
                        std::to_string(settings.checks.size()) +
                        " smoke check(s) passed, stable for " + format_duration(settings.window));
}

}  // namespace bosun::agent::deploy
