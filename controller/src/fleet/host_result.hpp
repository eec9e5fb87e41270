#pragma once
// How one host ended a fleet run: the agent's own run results, plus what only the controller
// can say (the host could not be reached, it was skipped, or it was deployed and then rolled
// back with the stage). One text form each: shown, printed as JSON, kept in .bosun/history.db.

#include <optional>
#include <string_view>

#include "bosun/common/run_protocol.hpp"

namespace bosun::controller::fleet {

enum class HostResult {
  succeeded,
  failed,
  rolled_back,
  locked,
  refused,
  unreachable,  // no connection, or no agent answering
  skipped,      // not started: another host was locked or unreachable, the stage stopped, Ctrl-C
  reverted,     // deployed, then rolled back with the stage (rollback: all)
};

// "succeeded", "failed", "rolled-back", "locked", "refused", "unreachable", "skipped",
// "reverted"
std::string_view to_string(HostResult result);
std::optional<HostResult> parse_host_result(std::string_view text);
HostResult host_result_of(RunResult result);

}  // namespace bosun::controller::fleet
