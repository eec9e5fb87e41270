// The supervision state machine's probes: readiness after a start (fast at first, then at the
// probe's interval, unhealthy past its timeout) and liveness once ready (a restart after
// `failures` misses in a row).
#include <algorithm>

#include "bosun/common/duration.hpp"
#include "state/journal.hpp"
#include "supervise/log_files.hpp"
#include "supervise/supervision.hpp"

namespace bosun::agent::supervise {

namespace {

using std::chrono::microseconds;

constexpr std::chrono::milliseconds k_ready_attempt_timeout{2000};

// A readiness probe that expects the instance's own ${pid} in the body, answered without it:
// another instance on a shared port (an overlap deploy) took the request. Its answer says
// nothing about this instance; the instance's own failing answer is the evidence to keep.
bool answered_by_another_instance(const Runtime& runtime, const ProbeOutcome& outcome) {
  if (outcome.role != ProbeRole::readiness || outcome.result.passed() || !runtime.spec.ready) {
    return false;
  }
  const auto* http = std::get_if<manifest::HttpCheck>(&runtime.spec.ready->check.kind);
  return http != nullptr && http->body_contains.find("${pid}") != std::string::npos &&
         outcome.result.body_mismatch;
}

}  // namespace

void Supervision::submit_probe(Runtime& runtime, ProbeRole role) {
  std::optional<manifest::ProbeSpec>& slot =
      role == ProbeRole::readiness ? runtime.ready : runtime.liveness;
  const std::optional<manifest::ProbeSpec>& defined =
      role == ProbeRole::readiness ? runtime.spec.ready : runtime.spec.liveness;
  if (!slot && defined) {
    slot = probe_for_instance(*defined, runtime.pid);  // added by an in-place update
  }
  if (!slot) {
    return;
  }
  const manifest::ProbeSpec& probe = *slot;
  checks::CheckContext context;
  context.timeout = role == ProbeRole::readiness ? std::min(k_ready_attempt_timeout, probe.timeout)
                                                 : probe.timeout;
  context.log_path = runtime.spec.log_path;
  context.log_offset = runtime.log_offset;
  context.env = runtime.spec.env;
  context.cwd = runtime.spec.cwd;
  runtime.probe_in_flight = true;
  m_effects.probes.submit({index_of(runtime), runtime.generation, role, probe.check.kind, context});
}

void Supervision::probe_finished(const ProbeOutcome& outcome) {
  if (outcome.service >= m_runtimes.size()) {
    return;
  }
  Runtime& runtime = m_runtimes[outcome.service];
  if (outcome.generation != runtime.generation || !runtime.is_running()) {
    return;  // for an instance that is gone
  }
  runtime.probe_in_flight = false;
  runtime.probe_ok = outcome.result.passed();
  const bool foreign = answered_by_another_instance(runtime, outcome);
  if (!foreign || !runtime.probe_own_failure) {
    runtime.probe = checks::to_string(outcome.result.status) + ": " + outcome.result.evidence +
                    (foreign ? " (another instance answered on the shared port)" : "");
    runtime.probe_own_failure = !outcome.result.passed() && !foreign;
  }
  if (outcome.role == ProbeRole::readiness) {
    readiness_answered(runtime, outcome);
  } else {
    liveness_answered(runtime, outcome);
  }
}

void Supervision::readiness_answered(Runtime& runtime, const ProbeOutcome& outcome) {
  if (runtime.state != ServiceState::starting && runtime.state != ServiceState::unhealthy) {
    return;
  }
  if (outcome.result.passed()) {
    became_ready(runtime, outcome.result.evidence);
    return;
  }
  const auto now = m_effects.time.now();
  if (runtime.state == ServiceState::starting && now >= runtime.ready_deadline) {
    set_state(runtime, ServiceState::unhealthy);
    runtime.evidence = tail_lines(runtime.spec.log_path, k_evidence_lines);
    m_effects.journal.record(
        runtime.spec.name, "not-ready",
        "not ready within " + format_duration(runtime.spec.ready->timeout) + ": " + runtime.probe);
  }
  const auto interval = std::chrono::duration_cast<microseconds>(runtime.spec.ready->interval);
  runtime.ready_delay = std::min(interval, runtime.ready_delay * 3 / 2);
  schedule(runtime, Due::probe_ready, now + runtime.ready_delay);
}

void Supervision::liveness_answered(Runtime& runtime, const ProbeOutcome& outcome) {
  if (runtime.state != ServiceState::ready || !runtime.spec.liveness) {
    return;
  }
  const auto now = m_effects.time.now();
  const manifest::ProbeSpec& liveness = *runtime.spec.liveness;
  schedule(runtime, Due::probe_liveness, now + liveness.interval);
  if (outcome.result.passed()) {
    runtime.liveness_failures = 0;
    return;
  }
  if (now - runtime.started < liveness.start_period) {
    return;
  }
  ++runtime.liveness_failures;
  m_effects.journal.record(runtime.spec.name, "liveness-failed",
                           std::to_string(runtime.liveness_failures) + "/" +
                               std::to_string(liveness.failures) + ": " + outcome.result.evidence);
  if (runtime.liveness_failures >= liveness.failures) {
    runtime.evidence = tail_lines(runtime.spec.log_path, k_evidence_lines);
    runtime.evidence.insert(runtime.evidence.begin(), "liveness: " + outcome.result.evidence);
    ++runtime.restarts;
    runtime.restart_after_stop = true;
    stop(runtime, "liveness failed " + std::to_string(runtime.liveness_failures) + " times");
  }
}

}  // namespace bosun::agent::supervise
