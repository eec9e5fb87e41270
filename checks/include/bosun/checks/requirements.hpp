#pragma once
// A manifest's `requires`, checked on this machine: the rows of the gap table and the
// deploy's preflight.

#include <map>
#include <string>
#include <vector>

#include "bosun/checks/host_checks.hpp"
#include "bosun/checks/report.hpp"
#include "bosun/manifest/model.hpp"

namespace bosun::checks {

struct RequirementRow {
  std::string requirement;  // e.g. "tool redis-server", "env JWT_SECRET_KEY", "port 8080 free"
  std::string required;     // e.g. ">=7.0", "set", "free", "1GiB"
  CheckResult result;
  bool blocking = true;  // a failure stops a deploy; otherwise it is a warning
};

struct RequirementInputs {
  std::map<std::string, std::string> env;  // the environment the app would get here
  std::string disk_path = "/";             // where disk_free is measured (the app's root)
  std::vector<int> own_pids;               // the app's running services: their ports are not gaps
  std::string os_release_path = "/etc/os-release";
};

std::vector<RequirementRow> check_requirements(const manifest::Requirements& requires_,
                                               const RequirementInputs& inputs);

// The rows as a gap report (kind "gap"): group and name from the requirement ("env X").
Report requirements_report(const std::vector<RequirementRow>& rows);

// True when no blocking row failed.
bool requirements_met(const std::vector<RequirementRow>& rows);

}  // namespace bosun::checks
