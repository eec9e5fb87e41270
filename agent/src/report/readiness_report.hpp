#pragma once
// The seed runbook's readiness checklist, evaluated for the running app: every service
// running without a restart loop, its health endpoints answering, the database reachable at
// the schema its release recorded, the API answering as expected (the manifest's smoke
// checks), environment variables set and not placeholders, no burst of errors in the logs,
// the endpoints the services use reachable, certificates valid, host resources within limits.

#include <map>
#include <string>
#include <vector>

#include "bosun/checks/report.hpp"
#include "release/release_app.hpp"
#include "supervise/supervisor.hpp"

namespace bosun::agent::report {

struct ReadinessInputs {
  const release::ReleaseApp* app = nullptr;
  std::vector<supervise::ServiceStatus> services;
  std::map<std::string, std::int64_t> recent_restarts;  // unexpected exits in the window
  std::string window = "10m";
  std::optional<std::string> recorded_schema;  // what the live release recorded after migrate
  HostLayout layout;
  std::string host;
};

checks::Report build_readiness_report(const ReadinessInputs& inputs);

// How a check reads in a report line: "GET http://127.0.0.1:8080/ready", "redis 127.0.0.1:6390".
std::string describe_check(const manifest::CheckKind& check);

}  // namespace bosun::agent::report
