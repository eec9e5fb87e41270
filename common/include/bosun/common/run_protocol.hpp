#pragma once
// What a deploy or rollback on a host reports, as both binaries speak it: the agent writes it
// (its journal, the events of a run, `history`), the controller reads it from the event
// stream. One enum and one text form each, so that neither compares strings it spelled itself.

#include <optional>
#include <string_view>

namespace bosun {

// How a run ended.
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

// What one event of a run says.
enum class RunEventType { run_started, step_started, step_finished, note, run_finished };
// "run-started", "step-started", "step-finished", "note", "run-finished"
std::string_view to_string(RunEventType type);
std::optional<RunEventType> parse_run_event_type(std::string_view text);

// How one step ended.
enum class StepOutcome { ok, failed, skipped };
// "ok", "failed", "skipped"
std::string_view to_string(StepOutcome outcome);
std::optional<StepOutcome> parse_step_outcome(std::string_view text);

}  // namespace bosun
