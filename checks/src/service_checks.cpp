#include "bosun/checks/service_checks.hpp"

#include "bosun/common/text.hpp"
#include "make_result.hpp"

namespace bosun::checks {
namespace {

std::string log_tail(const ServiceObservation& service) {
  if (service.last_log_lines.empty()) {
    return "";
  }
  return "; last log lines: " + join(service.last_log_lines, " | ");
}

}  // namespace

CheckResult check_service_state(const ServiceObservation& service) {
  const auto start = detail::Clock::now();
  const std::string restarts =
      std::to_string(service.recent_restarts) + " restart(s) in the last " + service.window;
  const std::string running = service.pid > 0 ? " (pid " + std::to_string(service.pid) + ")" : "";
  const std::string logs = "read its log: bosun-agent logs " + service.name;
  if (service.state == "ready") {
    if (service.recent_restarts > 0) {
      return detail::make_result(
          Status::warn,
          "ready" + running + ", but " + restarts +
              (service.last_exit.empty() ? "" : "; last exit: " + service.last_exit),
          "find why it exits before it loops: " + logs, start);
    }
    return detail::make_result(Status::pass, "ready" + running + ", " + restarts, "", start);
  }
  if (service.state == "starting" || service.state == "waiting") {
    return detail::make_result(Status::warn, service.state + running + ": not ready yet",
                               "wait for its readiness check, or " + logs, start);
  }
  if (service.state == "crash-loop") {
    return detail::make_result(
        Status::fail,
        "restarting in a loop: " + restarts + "; last exit: " + service.last_exit +
            log_tail(service),
        "it dies at start: a missing or wrong setting (shared/.env), a port taken by another "
        "process or a failed migration are the usual causes; " +
            logs,
        start);
  }
  if (service.state == "exited" && service.last_exit == "exited with code 0") {
    return detail::make_result(Status::pass, "finished: " + service.last_exit, "", start);
  }
  return detail::make_result(
      Status::fail,
      service.state + running +
          (service.last_exit.empty() ? "" : "; last exit: " + service.last_exit) +
          log_tail(service),
      service.state == "stopped" ? "start it: bosun-agent start " + service.name : logs, start);
}

}  // namespace bosun::checks
