#include "deploy/steps/database_service.hpp"

#include <algorithm>

#include "deploy/deploy_actions.hpp"
#include "deploy/run_reporter.hpp"

namespace bosun::agent::deploy::steps {

namespace {

// Still heading for ready by itself: waiting is enough.
bool on_its_way(supervise::ServiceState state) {
  return state == supervise::ServiceState::waiting || state == supervise::ServiceState::starting ||
         state == supervise::ServiceState::backoff || state == supervise::ServiceState::unhealthy;
}

}  // namespace

std::optional<StepResult> bring_up_database_service(RunContext& run) {
  if (!run.state.target || run.kind != RunKind::deploy) {
    return std::nullopt;
  }
  const release::ReleaseApp& next = *run.state.target;
  const std::string& name = next.manifest.database.service;
  if (name.empty()) {
    return std::nullopt;
  }
  const auto spec = std::find_if(next.specs.begin(), next.specs.end(),
                                 [&](const supervise::ServiceSpec& s) { return s.name == name; });
  if (spec == next.specs.end()) {
    return StepResult::failed("database.service names " + name + ", which the release lacks");
  }
  supervise::Supervisor& supervisor = run.services.supervisor;
  const auto status = supervise::status_of(supervisor, name);
  if (status && status->state == supervise::ServiceState::ready) {
    return std::nullopt;
  }
  if (status && on_its_way(status->state)) {
    StepResult ready = await_service_ready(supervisor, *spec);
    return ready.failed() ? std::optional<StepResult>(ready) : std::nullopt;
  }
  StepResult started = start_service(supervisor, *spec);
  if (started.failed()) {
    started.detail = "database.service: " + started.detail;
    return started;
  }
  run.state.started_early.push_back(name);
  run.services.report.note("started the database's service " + name + " from " + next.id +
                           " before the backup and migrate");
  return std::nullopt;
}

}  // namespace bosun::agent::deploy::steps
