#include "fleet/fleet_plan.hpp"

#include <algorithm>

namespace bosun::controller::fleet {

std::vector<Batch> plan_batches(std::size_t host_count, const playbook::Strategy& strategy) {
  std::vector<Batch> batches;
  std::size_t next = 0;
  const std::size_t canary =
      std::min(host_count, static_cast<std::size_t>(std::max(0, strategy.canary)));
  if (canary > 0 && canary < host_count) {
    Batch first;
    first.canary = true;
    for (; next < canary; ++next) {
      first.hosts.push_back(next);
    }
    batches.push_back(std::move(first));
  }
  std::size_t size = static_cast<std::size_t>(std::max(1, strategy.serial));
  if (strategy.serial_percent) {
    // 25% of 10 hosts: batches of 3 (rounded up, at least one host).
    size = std::max<std::size_t>(
        1, (host_count * static_cast<std::size_t>(std::max(1, strategy.serial)) + 99) / 100);
  }
  while (next < host_count) {
    Batch batch;
    for (std::size_t i = 0; i < size && next < host_count; ++i) {
      batch.hosts.push_back(next++);
    }
    batches.push_back(std::move(batch));
  }
  return batches;
}

bool over_failure_budget(std::size_t failed, const playbook::Strategy& strategy) {
  return failed > static_cast<std::size_t>(std::max(0, strategy.max_fail));
}

}  // namespace bosun::controller::fleet
