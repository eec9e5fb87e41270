#pragma once
// How a deploy or rollback on a host ended: the agent writes it (its journal, the
// run-finished event, `history`), the controller reads it from the event stream. One enum and
// one text form for both binaries, so neither compares strings it spelled itself.

#include <optional>
#include <string>
#include <string_view>

namespace bosun {

enum class RunResult {
  succeeded,    // deployed (or rolled back) and verified
  failed,       // stopped before the switch, or a rollback that failed
  rolled_back,  // failed after the switch, back on the previous release
  locked,       // another holder has the host's deploy lock
  refused,      // a bad request: nothing was done
};

// "succeeded", "failed", "rolled-back", "locked", "refused"
std::string_view to_string(RunResult result);
// nullopt for text that is none of them ("interrupted" is a run without a result yet).
std::optional<RunResult> parse_run_result(std::string_view text);

}  // namespace bosun
