#pragma once
// A deploy or rollback across a stage: every host connected and locked before the first
// change, hosts deployed in the playbook's batches (canary first), the stage stopped when
// failures exceed max_fail and, when configured, the hosts already deployed rolled back so
// the stage ends on one version; locks released at the end. Ctrl-C stops scheduling; hosts
// in flight finish (the agents own the work).

#include <atomic>
#include <chrono>
#include <functional>
#include <string>
#include <vector>

#include "bosun/playbook/playbook.hpp"
#include "fleet/host_result.hpp"
#include "host/host_session.hpp"

namespace bosun::controller::fleet {

struct HostOutcome {
  std::string host;
  std::string from_commit;
  std::string from_release;
  std::string to_commit;
  HostResult result = HostResult::skipped;
  std::string reason;
  std::vector<std::string> evidence;
  std::chrono::milliseconds took{0};
  std::string restored_backup{};  // the database restore the host's run ended with, if any
};

struct FleetOutcome {
  std::vector<HostOutcome> hosts;  // in stage order
  bool ok = false;
  std::string summary;  // one line
};

struct DeployPlan {
  std::string commit;
  std::string who;
  std::string repo;
  std::string manifest_in_repo;  // app.yaml's path inside the repository
  playbook::Strategy strategy;
  std::chrono::milliseconds lock_wait{0};
  std::chrono::milliseconds host_timeout{30 * 60'000};
};

struct RollbackPlan {
  std::string to;  // empty: each host's last good release
  std::string db = "auto";
  bool force = false;
  std::string who;
  std::chrono::milliseconds lock_wait{0};
};

// Called from the hosts' threads (serialized by the caller's sink) with each agent event.
using FleetProgress = std::function<void(const std::string& host, const host::AgentEvent& event)>;

FleetOutcome deploy_fleet(std::vector<host::HostSession>& hosts, const DeployPlan& plan,
                          const FleetProgress& progress, const std::atomic<bool>& interrupted);
FleetOutcome rollback_fleet(std::vector<host::HostSession>& hosts, const RollbackPlan& plan,
                            const FleetProgress& progress);

}  // namespace bosun::controller::fleet
