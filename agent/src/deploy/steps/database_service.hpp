#pragma once
// The database's own service (database.service) brought up from the target release before a
// deploy's backup and migrate need it: on a single VM's first deploy nothing runs yet. One
// running already (from the live release) is left as it is, or waited for while it comes up;
// one started here is recorded in the run, so that the restart step keeps it and a failed
// deploy's undo puts it back.

#include <optional>

#include "deploy/run_context.hpp"
#include "deploy/step_result.hpp"

namespace bosun::agent::deploy::steps {

// nullopt when there is nothing to bring up or it is ready; else the failure.
std::optional<StepResult> bring_up_database_service(RunContext& run);

}  // namespace bosun::agent::deploy::steps
