#pragma once
// Shows a fleet run as it goes: on a terminal one live line per host (its step and elapsed
// time), elsewhere one plain line per finished step, with --json every agent event as a JSON
// line tagged with its host; and at the end the table of hosts (from -> to, result,
// duration, reason).

#include <chrono>
#include <mutex>
#include <ostream>
#include <string>
#include <vector>

#include "fleet/fleet_run.hpp"
#include "host/host_session.hpp"

namespace bosun::controller::cli {

enum class ProgressMode { live, plain, json };

class ProgressPrinter {
 public:
  ProgressPrinter(std::ostream& out, ProgressMode mode, std::vector<std::string> hosts);
  // Thread-safe.
  void on_event(const std::string& host, const host::AgentEvent& event);
  void finish(const fleet::FleetOutcome& outcome, const std::string& title);

 private:
  struct Line {
    std::string host;
    std::string step = "waiting";
    std::chrono::steady_clock::time_point since = std::chrono::steady_clock::now();
    std::string state;
  };
  void redraw();

  std::ostream& m_out;
  ProgressMode m_mode;
  std::vector<Line> m_lines;
  bool m_drawn = false;
  std::mutex m_mutex;
  std::chrono::steady_clock::time_point m_started = std::chrono::steady_clock::now();
};

std::string short_commit(const std::string& commit);

}  // namespace bosun::controller::cli
