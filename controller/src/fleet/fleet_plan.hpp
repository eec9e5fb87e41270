#pragma once
// The order in which a stage's hosts are deployed, from the playbook's strategy: the canary
// hosts alone first, then batches of `serial` hosts (a count or a percentage of the stage).
// Pure: tested without hosts.

#include <cstddef>
#include <vector>

#include "bosun/playbook/playbook.hpp"

namespace bosun::controller::fleet {

struct Batch {
  std::vector<std::size_t> hosts;  // indexes into the stage's hosts, in order
  bool canary = false;
};

std::vector<Batch> plan_batches(std::size_t host_count, const playbook::Strategy& strategy);

// Whether the stage must stop scheduling after `failed` failures.
bool over_failure_budget(std::size_t failed, const playbook::Strategy& strategy);

}  // namespace bosun::controller::fleet
