// The supervision state machine's transitions: one function per way a service moves (spawn,
// begin_readiness, became_ready, stop, instance_exited, unexpected_exit, on_due). Overlap
// starts, probes and adoption have their own files.
#include "supervise/supervision.hpp"

#include "container/container_names.hpp"

#include <signal.h>

#include <algorithm>

#include "bosun/common/duration.hpp"
#include "bosun/common/text.hpp"
#include "state/adoption_record.hpp"
#include "state/journal.hpp"
#include "supervise/log_files.hpp"

namespace bosun::agent::supervise {

namespace {

using std::chrono::microseconds;

constexpr std::chrono::milliseconds k_rotation_every{5000};

}  // namespace

namespace {

std::string listen_address(const ServiceSpec& spec) {
  return spec.listen ? spec.listen->address() : "";
}

}  // namespace

bool same_definition(const ServiceSpec& running, const ServiceSpec& wanted) {
  return running.argv == wanted.argv && running.env == wanted.env && running.cwd == wanted.cwd &&
         running.user == wanted.user && running.nofile == wanted.nofile &&
         listen_address(running) == listen_address(wanted);
}

Supervision::Supervision(std::vector<ServiceSpec> services, HostLayout layout,
                         SupervisionEffects effects)
    : m_layout(std::move(layout)), m_effects(effects) {
  m_runtimes.reserve(services.size());
  for (ServiceSpec& spec : services) {
    Runtime& runtime = m_runtimes.emplace_back(std::move(spec));
    runtime.state_since = m_effects.time.now();
    runtime.state_since_unix_ms = m_effects.time.unix_ms();
  }
}

void Supervision::begin() {
  m_layout.create();
  adopt_survivors();
  start_eligible();
  m_next_rotation = m_effects.time.now() + k_rotation_every;
}

// ---- state ----

void Supervision::set_state(Runtime& runtime, ServiceState state) {
  if (runtime.state == state) {
    return;
  }
  runtime.state = state;
  runtime.state_since = m_effects.time.now();
  runtime.state_since_unix_ms = m_effects.time.unix_ms();
}

void Supervision::schedule(Runtime& runtime, Due due, Clock::time_point at) {
  runtime.due = due;
  runtime.due_at = at;
}

bool Supervision::dependencies_ready(const Runtime& runtime) const {
  for (const std::string& name : runtime.spec.depends_on) {
    const auto it = std::find_if(m_runtimes.begin(), m_runtimes.end(), [&](const Runtime& other) {
      return other.spec.name == name && !other.retired;
    });
    if (it == m_runtimes.end() || it->state != ServiceState::ready) {
      return false;
    }
  }
  return true;
}

// Starts every wanted, not running service whose dependencies are ready.
void Supervision::start_eligible() {
  for (Runtime& runtime : m_runtimes) {
    const bool idle =
        runtime.state == ServiceState::stopped || runtime.state == ServiceState::waiting;
    if (!runtime.wanted || runtime.is_running() || !idle) {
      continue;
    }
    if (dependencies_ready(runtime)) {
      spawn(runtime);
    } else if (runtime.state != ServiceState::waiting) {
      set_state(runtime, ServiceState::waiting);
    }
  }
}

// ---- starting ----

void Supervision::spawn(Runtime& runtime) {
  const ServiceSpec& spec = runtime.spec;
  runtime.started = m_effects.time.now();  // also when the start fails: backoff counts from here
  runtime.log_offset = file_size(spec.log_path);
  sys::SpawnedProcess process;
  try {
    ServiceSpec instance = spec;
    if (spec.proxy) {  // a port of its own, ${port} filled in
      runtime.port = pick_port(runtime);
      instance = with_port(spec, runtime.port);
    }
    sys::SpawnRequest request{instance.argv,   instance.env_list(), instance.cwd, instance.log_path,
                              instance.nofile, instance.user,       true};
    if (spec.listen) {  // the agent's socket: the same one, or one of its own in a hand-over
      const bool beside = std::any_of(runtime.leaving.begin(), runtime.leaving.end(),
                                      [](const Leaving& old) { return !old.signalled; });
      const sys::Listener listener =
          m_effects.sockets.acquire(spec.name, *spec.listen, runtime.socket, beside);
      if (beside && !listener.shared_because.empty() && listener.id != runtime.socket) {
        m_effects.journal.record(spec.name, "socket",
                                 "the new instance shares the old one's socket (" +
                                     listener.shared_because +
                                     "): the old one may drop a connection it accepts as it "
                                     "gets its stop signal");
      }
      runtime.socket = listener.id;
      request.listen_fds = {listener.fd};
      request.listen_names = {spec.listen->name};
    }
    process = m_effects.processes.spawn(request);
  } catch (const std::exception& error) {
    runtime.last_exit = std::string("could not start: ") + error.what();
    m_effects.journal.record(spec.name, "start-failed", runtime.last_exit);
    unexpected_exit(runtime, m_effects.time.now());
    return;
  }
  runtime.pid = process.pid;
  runtime.pidfd = process.pidfd;
  runtime.start_ticks = process.start_ticks;
  runtime.adopted = false;
  runtime.running_spec = spec;
  ++runtime.instance;
  runtime.started = m_effects.time.now();
  runtime.started_unix_ms = m_effects.time.unix_ms();
  watch_instance(runtime);
  state::save_record(record_path(runtime), {process.pid, process.start_ticks, runtime.log_offset,
                                            runtime.started_unix_ms, runtime.port});
  m_effects.processes.let_run(process);  // recorded: a new agent can adopt it from here on
  m_effects.journal.record(spec.name, "started",
                           "pid " + std::to_string(process.pid) + ": " + join(spec.argv, " "));
  begin_readiness(runtime);
}

// A new instance (started, adopted or reinstated): probes for it, stale results ignored.
void Supervision::watch_instance(Runtime& runtime) {
  ++runtime.generation;
  m_effects.exits.watch(runtime.pidfd);
}

void Supervision::begin_readiness(Runtime& runtime) {
  if (runtime.spec.ready) {
    runtime.ready = probe_for_instance(*runtime.spec.ready, runtime.pid, runtime.port);
  }
  if (runtime.spec.liveness) {
    runtime.liveness = probe_for_instance(*runtime.spec.liveness, runtime.pid, runtime.port);
  }
  set_state(runtime, ServiceState::starting);
  runtime.liveness_failures = 0;
  runtime.probe_own_failure = false;  // what an earlier instance answered is no evidence now
  runtime.probe_in_flight = false;
  if (!runtime.spec.ready) {
    became_ready(runtime, "no ready probe: ready once started");
    return;
  }
  const auto now = m_effects.time.now();
  runtime.ready_delay = k_first_ready_probe;
  runtime.ready_deadline = now + runtime.spec.ready->timeout;
  schedule(runtime, Due::probe_ready, now + runtime.ready_delay);
}

void Supervision::became_ready(Runtime& runtime, const std::string& evidence) {
  if (runtime.spec.proxy && !switch_upstream_to(runtime)) {
    return;  // the new instance was stopped; the old one keeps serving
  }
  if (runtime.spec.listen && !runtime.spec.proxy) {
    steer_to_new_instance(runtime);
  }
  set_state(runtime, ServiceState::ready);
  runtime.evidence.clear();
  if (!runtime.draining) {
    stop_leaving(runtime, "its replacement is ready");
  }
  const auto now = m_effects.time.now();
  const auto took = std::chrono::duration_cast<microseconds>(now - runtime.started);
  m_effects.journal.record(runtime.spec.name, "ready",
                           evidence + " (" + std::to_string(took.count() / 1000) + "." +
                               std::to_string(took.count() % 1000 / 100) + "ms after start)");
  if (runtime.spec.liveness) {
    schedule(runtime, Due::probe_liveness, now + runtime.spec.liveness->interval);
  } else {
    schedule(runtime, Due::none, {});
  }
  start_eligible();
}

// ---- stopping ----

void Supervision::stop(Runtime& runtime, const std::string& why) {
  if (!runtime.is_running()) {
    set_state(runtime, ServiceState::stopped);
    schedule(runtime, Due::none, {});
    return;
  }
  if (runtime.state == ServiceState::stopping) {
    return;
  }
  set_state(runtime, ServiceState::stopping);
  m_effects.processes.signal_group(runtime.pid, sys::signal_number(runtime.spec.stop.signal));
  m_effects.journal.record(runtime.spec.name, "stopping",
                           why + ": SIG" + runtime.spec.stop.signal + " to pid " +
                               std::to_string(runtime.pid) + ", SIGKILL after " +
                               format_duration(runtime.spec.stop.timeout));
  schedule(runtime, Due::kill, m_effects.time.now() + runtime.spec.stop.timeout);
}

// ---- exits ----

void Supervision::process_exited(int pidfd) {
  exited(pidfd);
  if (m_stopping_all) {
    continue_stopping_all();  // a dependent gone may let the next service stop
  }
}

void Supervision::exited(int pidfd) {
  for (Runtime& runtime : m_runtimes) {
    if (runtime.pidfd == pidfd) {
      instance_exited(runtime);
      return;
    }
    for (const Leaving& old : runtime.leaving) {
      if (old.pidfd == pidfd) {
        leaving_exited(runtime, pidfd);
        return;
      }
    }
  }
  const auto hook = std::find(m_hooks.begin(), m_hooks.end(), pidfd);
  if (hook != m_hooks.end()) {
    m_effects.exits.unwatch(pidfd);
    m_effects.processes.collect_exit(pidfd, true);
    m_hooks.erase(hook);
  }
}

void Supervision::instance_exited(Runtime& runtime) {
  // The process is a zombie until reaped, so its group id cannot be reused yet: clear out
  // anything it left behind in its group before reaping it.
  if (!runtime.adopted) {
    m_effects.processes.signal_group(runtime.pid, SIGKILL);
  }
  m_effects.exits.unwatch(runtime.pidfd);
  const sys::ExitStatus status = m_effects.processes.collect_exit(runtime.pidfd, !runtime.adopted);
  runtime.pidfd = -1;
  runtime.pid = -1;
  runtime.probe_in_flight = false;
  ++runtime.generation;
  state::remove_record(record_path(runtime));
  runtime.last_exit = sys::describe_exit(status);
  runtime.last_exit_code =
      status.known && status.signal == 0 ? std::optional(status.code) : std::nullopt;
  if (runtime.state == ServiceState::stopping && !runtime.refused.empty()) {
    // Not restarted into the same refusal: a deploy sees it failed, and rolls back.
    m_effects.journal.record(runtime.spec.name, "stopped", runtime.last_exit);
    runtime.last_exit = std::exchange(runtime.refused, "");
    runtime.evidence = {runtime.last_exit};
    runtime.wanted = false;
    set_state(runtime, ServiceState::failed);
    schedule(runtime, Due::none, {});
    return;
  }
  if (runtime.state == ServiceState::stopping) {
    m_effects.journal.record(runtime.spec.name, "stopped", runtime.last_exit);
    set_state(runtime, ServiceState::stopped);
    schedule(runtime, Due::none, {});
    if (runtime.restart_after_stop) {
      runtime.restart_after_stop = false;
      runtime.wanted = true;
      start_eligible();
    }
    return;
  }
  const bool clean = status.known && status.signal == 0 && status.code == 0;
  runtime.evidence =
      clean ? std::vector<std::string>{} : tail_lines(runtime.spec.log_path, k_evidence_lines);
  m_effects.journal.record(
      runtime.spec.name, "exited",
      runtime.last_exit + "; last log lines: " + join(tail_lines(runtime.spec.log_path, 5), " | "));
  const manifest::RestartPolicy policy = runtime.spec.restart.policy;
  if (policy == manifest::RestartPolicy::never ||
      (policy == manifest::RestartPolicy::on_failure && clean)) {
    set_state(runtime, ServiceState::exited);
    schedule(runtime, Due::none, {});
    return;
  }
  unexpected_exit(runtime, m_effects.time.now());
}

void Supervision::unexpected_exit(Runtime& runtime, Clock::time_point now) {
  const RestartDecision decision = runtime.tracker.on_exit(runtime.started, now);
  if (decision.entered_crash_loop) {
    m_effects.journal.record(
        runtime.spec.name, "crash-loop",
        "more than " + std::to_string(runtime.spec.restart.crash_loop.restarts) + " restarts in " +
            format_duration(runtime.spec.restart.crash_loop.window) +
            "; last: " + runtime.last_exit +
            (decision.give_up ? "; giving up as configured"
                              : "; next try in " + format_duration(decision.delay)));
    run_hook(runtime);
  }
  if (decision.give_up) {
    set_state(runtime, ServiceState::failed);
    schedule(runtime, Due::none, {});
    return;
  }
  set_state(runtime, decision.crash_loop ? ServiceState::crash_loop : ServiceState::backoff);
  m_effects.journal.record(runtime.spec.name, "restarting",
                           "in " + format_duration(decision.delay));
  schedule(runtime, Due::start, now + decision.delay);
}

// The alert hook runs detached: the agent does not wait for it.
void Supervision::run_hook(const Runtime& runtime) {
  if (runtime.spec.on_crash_loop.empty()) {
    return;
  }
  std::vector<std::string> env = runtime.spec.env_list();
  env.push_back("BOSUN_SERVICE=" + runtime.spec.name);
  env.push_back("BOSUN_EVENT=crash-loop");
  env.push_back("BOSUN_LAST_EXIT=" + runtime.last_exit);
  try {
    const sys::SpawnedProcess hook =
        m_effects.processes.spawn({runtime.spec.on_crash_loop, env, runtime.spec.cwd,
                                   runtime.spec.log_path, std::nullopt, runtime.spec.hook_user});
    m_hooks.push_back(hook.pidfd);
    m_effects.exits.watch(hook.pidfd);
    m_effects.journal.record(runtime.spec.name, "hook",
                             "on_crash_loop started, pid " + std::to_string(hook.pid));
  } catch (const std::exception& error) {
    m_effects.journal.record(runtime.spec.name, "hook",
                             std::string("on_crash_loop could not start: ") + error.what());
  }
}

void Supervision::kill_instance(const ServiceSpec& spec, pid_t pid) {
  m_effects.processes.signal_group(pid, SIGKILL);
  if (spec.container_engine.empty()) {
    return;
  }
  const std::string name = container::container_name(spec.container_prefix, pid);
  try {
    const sys::SpawnedProcess kill =
        m_effects.processes.spawn({{spec.container_engine, "kill", name},
                                   spec.env_list(),
                                   spec.cwd,
                                   spec.log_path,
                                   std::nullopt,
                                   ""});
    m_hooks.push_back(kill.pidfd);
    m_effects.exits.watch(kill.pidfd);
  } catch (const std::exception& error) {
    m_effects.journal.record(
        spec.name, "killed",
        "could not ask " + spec.container_engine + " to kill " + name + ": " + error.what());
  }
}

// ---- timers ----

void Supervision::time_passed() {
  const auto now = m_effects.time.now();
  for (std::size_t i = 0; i < m_runtimes.size(); ++i) {
    Runtime& runtime = m_runtimes[i];
    if (runtime.due != Due::none && runtime.due_at <= now) {
      on_due(runtime);
    }
  }
  kill_overdue_leaving();
  check_drains();
  if (now >= m_next_rotation) {
    rotate_logs();
  }
  if (m_stopping_all) {
    continue_stopping_all();
  }
}

void Supervision::on_due(Runtime& runtime) {
  const Due due = runtime.due;
  runtime.due = Due::none;
  switch (due) {
    case Due::none:
      break;
    case Due::start:
      if (runtime.wanted && !runtime.is_running()) {
        ++runtime.restarts;
        set_state(runtime, ServiceState::stopped);
        if (dependencies_ready(runtime)) {
          spawn(runtime);
        } else {
          set_state(runtime, ServiceState::waiting);
        }
      }
      break;
    case Due::probe_ready:
      if (!runtime.probe_in_flight && runtime.is_running()) {
        submit_probe(runtime, ProbeRole::readiness);
      }
      break;
    case Due::probe_liveness:
      if (!runtime.probe_in_flight && runtime.state == ServiceState::ready) {
        submit_probe(runtime, ProbeRole::liveness);
      }
      break;
    case Due::kill:
      if (runtime.is_running()) {
        m_effects.journal.record(
            runtime.spec.name, "killed",
            "did not stop within " + format_duration(runtime.spec.stop.timeout) + "; SIGKILL");
        kill_instance(runtime.spec, runtime.pid);
      }
      break;
  }
}

void Supervision::rotate_logs() {
  for (const Runtime& runtime : m_runtimes) {
    if (rotate_if_larger(runtime.spec.log_path, runtime.spec.logs.max_size,
                         runtime.spec.logs.keep)) {
      m_effects.journal.record(runtime.spec.name, "log-rotated", runtime.spec.log_path);
    }
  }
  m_next_rotation = m_effects.time.now() + k_rotation_every;
}

Clock::time_point Supervision::next_due() const {
  Clock::time_point earliest = m_next_rotation;
  for (const Runtime& runtime : m_runtimes) {
    if (runtime.due != Due::none && runtime.due_at < earliest) {
      earliest = runtime.due_at;
    }
    for (const Leaving& old : runtime.leaving) {
      if (old.signalled && old.kill_at != Clock::time_point{} && old.kill_at < earliest) {
        earliest = old.kill_at;
      }
    }
    if (runtime.draining && runtime.next_drain_check < earliest) {
      earliest = runtime.next_drain_check;
    }
  }
  return earliest;
}

// ---- what the API shows ----

std::vector<ServiceStatus> Supervision::statuses() const {
  std::vector<ServiceStatus> statuses;
  for (const Runtime& runtime : m_runtimes) {
    if (runtime.retired) {
      continue;
    }
    ServiceStatus status;
    status.name = runtime.spec.name;
    status.state = runtime.state;
    status.pid = runtime.pid;
    status.adopted = runtime.adopted;
    status.restarts = runtime.restarts;
    status.last_exit = runtime.last_exit;
    status.last_exit_code = runtime.last_exit_code;
    status.state_since_unix_ms = runtime.state_since_unix_ms;
    status.started_unix_ms = runtime.started_unix_ms;
    status.probe = runtime.probe;
    status.probe_ok = runtime.probe_ok;
    status.liveness_failures = runtime.liveness_failures;
    status.depends_on = runtime.spec.depends_on;
    status.log_path = runtime.spec.log_path;
    status.evidence = runtime.evidence;
    if (!runtime.spec.container_engine.empty()) {
      const std::vector<std::string>& argv = runtime.spec.argv;
      for (std::size_t i = 0; i + 1 < argv.size() && argv[i] != "--"; ++i) {
        if (argv[i] == "--env") {
          status.container_env.push_back(argv[i + 1]);
        }
      }
    }
    status.instance = runtime.instance;
    status.leaving = static_cast<int>(runtime.leaving.size());
    status.port = runtime.port;
    status.leaving_stopping =
        static_cast<int>(std::count_if(runtime.leaving.begin(), runtime.leaving.end(),
                                       [](const Leaving& old) { return old.signalled; }));
    statuses.push_back(std::move(status));
  }
  return statuses;
}

Runtime* Supervision::find(const std::string& name, bool include_retired) {
  const auto it = std::find_if(m_runtimes.begin(), m_runtimes.end(), [&](const Runtime& runtime) {
    return runtime.spec.name == name && (include_retired || !runtime.retired);
  });
  return it == m_runtimes.end() ? nullptr : &*it;
}

std::filesystem::path Supervision::record_path(const Runtime& runtime) const {
  return m_layout.run_dir() / (runtime.spec.name + ".pid");
}

std::size_t Supervision::index_of(const Runtime& runtime) const {
  return static_cast<std::size_t>(&runtime - m_runtimes.data());
}

}  // namespace bosun::agent::supervise
