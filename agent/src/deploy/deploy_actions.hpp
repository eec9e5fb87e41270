#pragma once
// The parts of a deploy that act on running services: restarting what a release changed,
// waiting for readiness, and verifying the release (readiness, smoke checks, a stability
// window). Used by deploys, automatic and manual rollbacks alike. Each returns a StepResult
// whose evidence says what failed (the probe's output, the service's last log lines).

#include <chrono>
#include <map>
#include <string>
#include <vector>

#include "bosun/manifest/model.hpp"
#include "deploy/step_result.hpp"
#include "release/service_changes.hpp"
#include "supervise/supervisor.hpp"

namespace bosun::agent::deploy {

// Applies `plan`: retires removed services, updates unchanged ones in place, and replaces
// the others one at a time in start order, each waiting for its new instance to be ready.
StepResult restart_services(supervise::Supervisor& supervisor, const release::RestartPlan& plan,
                            const std::vector<supervise::ServiceSpec>& next);

// One service started on `spec` (added when new), waited for until its new instance is ready.
StepResult start_service(supervise::Supervisor& supervisor, const supervise::ServiceSpec& spec);

// One service already on its way up (starting, in backoff) waited for until it is ready.
StepResult await_service_ready(supervise::Supervisor& supervisor,
                               const supervise::ServiceSpec& spec);

struct VerifySettings {
  std::vector<manifest::CheckSpec> checks;    // smoke checks, variables expanded
  std::chrono::milliseconds timeout{60'000};  // for readiness and the checks to pass
  std::chrono::milliseconds window{10'000};   // then: no restart, crash or failed probe
  std::map<std::string, std::string> env;     // for exec checks
  std::string cwd;
  // The release being verified and its services that depend on it: each must run from it
  // (an instance of an older release still serving is a failure, not a success).
  std::string release_dir;
  std::vector<std::string> release_services;
};

// Every service ready and, for those of the release, running from it; the smoke checks
// passing; then stable for the window.
StepResult verify_services(supervise::Supervisor& supervisor, const VerifySettings& settings);

// A check with its ${...} variables expanded (manifest::expand_check); throws
// std::runtime_error naming a variable without a value.
manifest::CheckSpec expand_check(manifest::CheckSpec spec,
                                 const std::map<std::string, std::string>& variables);

}  // namespace bosun::agent::deploy
