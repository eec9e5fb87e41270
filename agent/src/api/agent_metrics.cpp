#include "api/agent_metrics.hpp"

#include <unistd.h>

#include <sstream>

#include "sys/process.hpp"

namespace bosun::agent::api {

std::string render_metrics(const std::vector<supervise::ServiceStatus>& services) {
  std::ostringstream out;
  out << "# HELP bosun_service_up 1 when the service's process is running.\n"
         "# TYPE bosun_service_up gauge\n";
  for (const supervise::ServiceStatus& s : services) {
    out << "bosun_service_up{service=\"" << s.name << "\"} " << (s.pid > 0 ? 1 : 0) << "\n";
  }
  out << "# HELP bosun_service_ready 1 when the service passed its readiness check.\n"
         "# TYPE bosun_service_ready gauge\n";
  for (const supervise::ServiceStatus& s : services) {
    out << "bosun_service_ready{service=\"" << s.name << "\"} "
        << (s.state == supervise::ServiceState::ready ? 1 : 0) << "\n";
  }
  out << "# HELP bosun_service_restarts_total Restarts since the agent started.\n"
         "# TYPE bosun_service_restarts_total counter\n";
  for (const supervise::ServiceStatus& s : services) {
    out << "bosun_service_restarts_total{service=\"" << s.name << "\"} " << s.restarts << "\n";
  }
  out << "# HELP bosun_service_last_exit_code Exit code of the last exit (-1: killed or unknown).\n"
         "# TYPE bosun_service_last_exit_code gauge\n";
  for (const supervise::ServiceStatus& s : services) {
    if (!s.last_exit.empty()) {
      out << "bosun_service_last_exit_code{service=\"" << s.name << "\"} "
          << s.last_exit_code.value_or(-1) << "\n";
    }
  }
  out << "# HELP bosun_service_check_ok 1 when the last probe passed.\n"
         "# TYPE bosun_service_check_ok gauge\n";
  for (const supervise::ServiceStatus& s : services) {
    if (!s.probe.empty()) {
      out << "bosun_service_check_ok{service=\"" << s.name << "\"} " << (s.probe_ok ? 1 : 0)
          << "\n";
    }
  }
  out << "# HELP bosun_service_crash_loop 1 while the service is in a crash loop.\n"
         "# TYPE bosun_service_crash_loop gauge\n";
  for (const supervise::ServiceStatus& s : services) {
    out << "bosun_service_crash_loop{service=\"" << s.name << "\"} "
        << (s.state == supervise::ServiceState::crash_loop ? 1 : 0) << "\n";
  }
  out << "# HELP bosun_agent_resident_bytes The agent's resident memory.\n"
         "# TYPE bosun_agent_resident_bytes gauge\n"
      << "bosun_agent_resident_bytes " << sys::resident_bytes(::getpid()) << "\n";
  return out.str();
}

}  // namespace bosun::agent::api
