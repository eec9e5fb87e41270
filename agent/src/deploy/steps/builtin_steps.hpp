#pragma once
// The built-in steps, one per file in this folder.

#include "deploy/steps/deploy_step.hpp"

namespace bosun::agent::deploy::steps {

const DeployStep& lock_step();
const DeployStep& fetch_step();
const DeployStep& checkout_step();
const DeployStep& build_step();
const DeployStep& preflight_step();
const DeployStep& backup_step();
const DeployStep& migrate_step();
const DeployStep& switch_step();
const DeployStep& restart_step();
const DeployStep& verify_step();
const DeployStep& prune_step();
const DeployStep& hook_step();
const DeployStep& undo_migrate_step();
const DeployStep& discard_step();
const DeployStep& undo_early_start_step();

}  // namespace bosun::agent::deploy::steps
