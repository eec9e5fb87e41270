#pragma once
// Which services a deploy restarts, and how: those whose definition changed, and on a new
// commit every service that can depend on the release (it works in the release directory,
// runs a shell line, or names the release in its arguments or environment), in start order;
// `deploy: overlap` services get an overlap start. A service with its own working directory
// outside the release and nothing pointing into it (Redis from PATH with `cwd: ${shared}`)
// keeps running across deploys. Pure: plans are tested without processes.

#include <string>
#include <vector>

#include "supervise/service_spec.hpp"
#include "supervise/supervisor.hpp"

namespace bosun::agent::release {

struct ServiceChange {
  std::string name;
  supervise::UpdateMode mode = supervise::UpdateMode::in_place;
  std::string why;            // "definition changed", "release content changed", "new service", ...
  bool from_release = false;  // depends on the release: verify checks it runs from there
};

struct RestartPlan {
  std::vector<ServiceChange> services;  // every service of `next`, in its start order
  std::vector<std::string> removed;     // live services the next release no longer has

  std::vector<std::string> restarted() const;  // names of those not updated in place
};

struct ReleaseSide {
  const std::vector<supervise::ServiceSpec>* specs = nullptr;  // in start order
  std::string release_dir;
  std::string commit;
};

// `started_early`: services of `next` the run has already started on their new definition
// (the database's, before the migrate); they are kept as they run.
RestartPlan plan_restarts(const ReleaseSide& live, const ReleaseSide& next,
                          const std::vector<std::string>& started_early = {});

// The rule above for one service: true when it can depend on `release_dir`.
bool runs_from_release(const supervise::ServiceSpec& spec, const std::string& release_dir);

}  // namespace bosun::agent::release
