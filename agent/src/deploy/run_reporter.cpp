#include "deploy/run_reporter.hpp"

#include <chrono>

#include "state/journal.hpp"

namespace bosun::agent::deploy {

RunReporter::RunReporter(state::DeployJournal& journal, const EventSink& sink, std::int64_t run)
    : m_journal(journal), m_sink(sink), m_run(run) {}

void RunReporter::emit(DeployEvent event) {
  event.seq = ++m_seq;
  event.unix_ms = state::now_unix_ms();
  event.run = m_run;
  if (m_sink) {
    m_sink(std::move(event));
  }
}

void RunReporter::started(const std::string& kind, const std::string& message) {
  DeployEvent event;
  event.type = RunEventType::run_started;
  event.step = kind;
  event.message = message;
  emit(std::move(event));
}

void RunReporter::note(const std::string& message, std::vector<std::string> evidence) {
  DeployEvent event;
  event.type = RunEventType::note;
  event.message = message;
  event.evidence = std::move(evidence);
  emit(std::move(event));
}

StepResult RunReporter::step(const std::string& name, const std::function<StepResult()>& body) {
  m_journal.step_started(m_run, name);
  DeployEvent start;
  start.type = RunEventType::step_started;
  start.step = name;
  emit(std::move(start));
  const auto began = std::chrono::steady_clock::now();
  StepResult result;
  try {
    result = body();
  } catch (const std::exception& error) {
    result = StepResult::failed(error.what());
  }
  const auto took = std::chrono::duration_cast<std::chrono::milliseconds>(
      std::chrono::steady_clock::now() - began);
  m_journal.step_finished(m_run, name, std::string(to_string(result.outcome)), result.detail);
  DeployEvent end;
  end.type = RunEventType::step_finished;
  end.step = name;
  end.outcome = std::string(to_string(result.outcome));
  end.message = result.detail;
  end.duration_ms = took.count();
  end.evidence = result.evidence;
  emit(std::move(end));
  return result;
}

void RunReporter::finished(RunResult result, const std::string& reason,
                           std::vector<std::string> evidence, const std::string& restored_backup) {
  const std::string text(to_string(result));
  m_journal.finish(m_run, text, reason);
  DeployEvent event;
  event.type = RunEventType::run_finished;
  event.outcome = text;
  event.message = reason;
  event.evidence = std::move(evidence);
  event.restored_backup = restored_backup;
  emit(std::move(event));
}

}  // namespace bosun::agent::deploy
