#pragma once
// Journals one run's steps in state.db (before and after each) and streams them as events.

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "bosun/common/run_protocol.hpp"
#include "deploy/deploy_actions.hpp"
#include "deploy/deploy_event.hpp"
#include "state/deploy_journal.hpp"

namespace bosun::agent::deploy {

class RunReporter {
 public:
  RunReporter(state::DeployJournal& journal, const EventSink& sink, std::int64_t run);

  void started(const std::string& kind, const std::string& message);
  void note(const std::string& message, std::vector<std::string> evidence = {});
  // Journals `name` as started, runs `body` (an exception is a failure), journals the result.
  StepResult step(const std::string& name, const std::function<StepResult()>& body);
  void finished(RunResult result, const std::string& reason, std::vector<std::string> evidence,
                const std::string& restored_backup = "");

  std::int64_t run() const { return m_run; }

 private:
  void emit(DeployEvent event);

  state::DeployJournal& m_journal;
  const EventSink& m_sink;
  std::int64_t m_run;
  std::int64_t m_seq = 0;
};

}  // namespace bosun::agent::deploy
