#pragma once
// What one step of a run did: ok, skipped or failed, one line of detail, the evidence of a
// failure, and what a database restore cost. Every step and action of a run returns one.

#include <string>
#include <vector>

#include "bosun/common/run_protocol.hpp"

namespace bosun::agent::deploy {

struct StepResult {
  using Outcome = StepOutcome;
  Outcome outcome = Outcome::ok;
  std::string detail;                 // one line: what was done, or why it failed
  std::vector<std::string> evidence;  // failing probe output, last log lines
  // Set when the step put a database backup back: which one, when it was taken, and that
  // what was written after it is gone. The run reports it; it is never a plain success.
  std::string restored_backup{};
  // A failure that is a refusal: the step did nothing, by design (a rollback across an
  // irreversible migration without --force). The run ends "refused", exit 2.
  bool refused = false;

  static StepResult ok(std::string detail) { return {Outcome::ok, std::move(detail), {}}; }
  static StepResult skipped(std::string detail) {
    return {Outcome::skipped, std::move(detail), {}};
  }
  static StepResult failed(std::string detail, std::vector<std::string> evidence = {}) {
    return {Outcome::failed, std::move(detail), std::move(evidence)};
  }
  bool failed() const { return outcome == Outcome::failed; }
};

}  // namespace bosun::agent::deploy
