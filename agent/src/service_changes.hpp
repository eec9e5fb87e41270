#pragma once
// Which services a deploy restarts, and how: only those whose definition changed or whose
// program lives in the release that changed, in start order; `deploy: overlap` services get
// an overlap start. Pure: plans are tested without processes.

#include <string>
#include <vector>

#include "service_spec.hpp"
#include "supervisor.hpp"

namespace bosun::agent {

struct ServiceChange {
  std::string name;
  UpdateMode mode = UpdateMode::in_place;
  std::string why;  // "definition changed", "release content changed", "new service", ...
};

struct RestartPlan {
  std::vector<ServiceChange> services;  // every service of `next`, in its start order
  std::vector<std::string> removed;     // live services the next release no longer has

  std::vector<std::string> restarted() const;  // names of those not updated in place
};

struct ReleaseSide {
  const std::vector<ServiceSpec>* specs = nullptr;  // in start order
  std::string release_dir;
  std::string commit;
};

RestartPlan plan_restarts(const ReleaseSide& live, const ReleaseSide& next);

}  // namespace bosun::agent
