#pragma once
// What a deploy or rollback reports while it runs: one event per step start and end, plus
// notes (a rollback beginning, a lock taken over) and the final result. The daemon keeps them
// for the client that streams them (`bosun-agent deploy --json` prints one JSON line each).

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "bosun/common/run_protocol.hpp"

namespace bosun::agent::deploy {

struct DeployEvent {
  std::int64_t seq = 0;  // 1, 2, ... within one run
  std::int64_t unix_ms = 0;
  RunEventType type = RunEventType::note;
  std::int64_t run = 0;  // the run's id in the deploy journal
  std::string step;
  std::string outcome;  // step-finished: ok | failed | skipped; run-finished: the result
  std::string message;
  std::int64_t duration_ms = 0;
  std::vector<std::string> evidence;  // failing probe output, last log lines
  // run-finished: the database restore the run ended with (which backup, when it was taken,
  // that later writes are gone); empty when the data was not touched.
  std::string restored_backup{};
};

using EventSink = std::function<void(DeployEvent)>;

}  // namespace bosun::agent::deploy
