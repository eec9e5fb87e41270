#include "supervise/supervisor.hpp"

#include <signal.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/timerfd.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstddef>
#include <cstdlib>
#include <cstring>
#include <deque>
#include <stdexcept>

#include "bosun/common/duration.hpp"
#include "bosun/common/text.hpp"
#include "state/adoption_record.hpp"
#include "state/journal.hpp"
#include "supervise/log_files.hpp"
#include "supervise/probe_runner.hpp"
#include "supervise/restart_tracker.hpp"
#include "sys/process.hpp"

namespace bosun::agent {

std::string to_string(ServiceState state) {
  switch (state) {
    case ServiceState::stopped:
      return "stopped";
    case ServiceState::waiting:
      return "waiting";
    case ServiceState::starting:
      return "starting";
    case ServiceState::ready:
      return "ready";
    case ServiceState::unhealthy:
      return "unhealthy";
    case ServiceState::stopping:
      return "stopping";
    case ServiceState::backoff:
      return "backoff";
    case ServiceState::crash_loop:
      return "crash-loop";
    case ServiceState::failed:
      return "failed";
    case ServiceState::exited:
      return "exited";
  }
  return "unknown";
}

namespace {

using std::chrono::microseconds;
using std::chrono::milliseconds;

// epoll tags: what became readable.
constexpr std::uint64_t k_tag_timer = 1ULL << 32;
constexpr std::uint64_t k_tag_wakeup = 2ULL << 32;
constexpr std::uint64_t k_tag_signal = 3ULL << 32;
constexpr std::uint64_t k_tag_pidfd = 4ULL << 32;
constexpr std::uint64_t k_tag_leaving = 5ULL << 32;  // low bits: the old instance's pidfd

// Readiness is probed fast right after a start (crash-to-ready latency is a headline
// number), backing off by 1.5x up to the probe's interval.
constexpr microseconds k_first_ready_probe{200};
constexpr milliseconds k_ready_attempt_timeout{2000};
constexpr milliseconds k_housekeeping_every{5000};
constexpr std::size_t k_evidence_lines = 20;

enum class Due { none, start, probe_ready, probe_liveness, kill };

// An old instance kept running beside its replacement during an overlap start (it still
// serves on the shared port), stopped once the replacement is ready.
struct Leaving {
  pid_t pid = -1;
  int pidfd = -1;
  bool adopted = false;
  bool signalled = false;
  Clock::time_point kill_at{};
  std::filesystem::path record;
  std::uint64_t start_ticks = 0;
  std::int64_t started_unix_ms = 0;
  std::optional<ServiceSpec> spec;  // what it runs, when known (not for one adopted as leaving)
  // Its own log from the overlap start on: the service log renamed, which it keeps writing
  // to, so that the new instance's lines (a failed start's traceback) stand apart.
  std::string log;
};

std::string leaving_log(const ServiceSpec& spec, pid_t pid) {
  return spec.log_path + ".leaving-" + std::to_string(pid);
}

// Whether an instance started from `running` runs what `wanted` describes.
bool same_definition(const ServiceSpec& running, const ServiceSpec& wanted) {
  return running.argv == wanted.argv && running.env == wanted.env && running.cwd == wanted.cwd &&
         running.user == wanted.user && running.nofile == wanted.nofile;
}

struct Runtime {
  ServiceSpec spec;
  ServiceSpec running_spec;  // the definition the running instance was started with
  ServiceState state = ServiceState::stopped;
  RestartTracker tracker;
  bool wanted = true;    // the operator wants it running
  bool retired = false;  // removed by a deploy: stopped and no longer shown
  bool restart_after_stop = false;
  // An overlap start waiting for older instances to finish stopping: never three instances
  // on a shared port (the platform's hand-over between two breaks with a third).
  bool overlap_pending = false;
  pid_t pid = -1;
  int pidfd = -1;
  std::uint64_t start_ticks = 0;
  bool adopted = false;
  std::uint64_t instance = 0;
  std::vector<Leaving> leaving;
  std::uint64_t generation = 0;  // one per instance; stale probe results are ignored
  Clock::time_point started{};
  std::int64_t started_unix_ms = 0;
  std::uint64_t log_offset = 0;
  Clock::time_point state_since = Clock::now();
  std::int64_t state_since_unix_ms = now_unix_ms();
  Due due = Due::none;
  Clock::time_point due_at{};
  microseconds ready_delay = k_first_ready_probe;
  Clock::time_point ready_deadline{};
  bool probe_in_flight = false;
  std::int64_t restarts = 0;
  std::string last_exit;
  std::optional<int> last_exit_code;
  std::string probe;
  bool probe_ok = false;
  bool probe_own_failure = false;  // `probe` is a failing answer of this very instance
  int liveness_failures = 0;
  std::vector<std::string> evidence;
  // The probes of the running instance (${pid} filled in).
  std::optional<manifest::ProbeSpec> ready;
  std::optional<manifest::ProbeSpec> liveness;

  explicit Runtime(ServiceSpec service)
      : spec(std::move(service)), tracker(spec.restart.backoff, spec.restart.crash_loop) {}
};

struct Request {
  RequestKind kind;
  std::string service;
  std::promise<std::string> done;
  std::optional<ServiceSpec> spec;  // update
  UpdateMode mode = UpdateMode::in_place;
};

// systemd's readiness protocol without libsystemd: one datagram to $NOTIFY_SOCKET.
void notify_systemd(const std::string& message) {
  const char* path = std::getenv("NOTIFY_SOCKET");
  if (path == nullptr || *path == '\0') {
    return;
  }
  sockaddr_un address{};
  address.sun_family = AF_UNIX;
  std::strncpy(address.sun_path, path, sizeof address.sun_path - 1);
  if (address.sun_path[0] == '@') {
    address.sun_path[0] = '\0';  // abstract namespace
  }
  const int fd = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (fd < 0) {
    return;
  }
  const auto length = static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + std::strlen(path));
  (void)!::sendto(fd, message.data(), message.size(), MSG_NOSIGNAL,
                  reinterpret_cast<sockaddr*>(&address), length);
  ::close(fd);
}

}  // namespace

struct Supervisor::Impl {
  Impl(std::vector<ServiceSpec> services, HostLayout host_layout, Journal& agent_journal)
      : layout(std::move(host_layout)), journal(agent_journal) {
    for (ServiceSpec& spec : services) {
      runtimes.emplace_back(std::move(spec));
    }
    epoll_fd = ::epoll_create1(EPOLL_CLOEXEC);
    timer_fd = ::timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK);
    wakeup_fd = ::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
    sigset_t stop_signals;
    sigemptyset(&stop_signals);
    sigaddset(&stop_signals, SIGTERM);
    sigaddset(&stop_signals, SIGINT);
    signal_fd = ::signalfd(-1, &stop_signals, SFD_CLOEXEC | SFD_NONBLOCK);
    if (epoll_fd < 0 || timer_fd < 0 || wakeup_fd < 0 || signal_fd < 0) {
      throw std::runtime_error(std::string("cannot set up the event loop: ") +
                               std::strerror(errno));
    }
    watch(timer_fd, k_tag_timer);
    watch(wakeup_fd, k_tag_wakeup);
    watch(signal_fd, k_tag_signal);
    probes = std::make_unique<ProbeRunner>(2, [this] { wake(); });
    publish();
  }

  ~Impl() {
    probes.reset();
    for (Runtime& runtime : runtimes) {
      if (runtime.pidfd >= 0) {
        ::close(runtime.pidfd);
      }
      for (const Leaving& old : runtime.leaving) {
        ::close(old.pidfd);
      }
    }
    for (int fd : {epoll_fd, timer_fd, wakeup_fd, signal_fd}) {
      if (fd >= 0) {
        ::close(fd);
      }
    }
  }

  void watch(int fd, std::uint64_t tag) {
    epoll_event event{};
    event.events = EPOLLIN;
    event.data.u64 = tag;
    ::epoll_ctl(epoll_fd, EPOLL_CTL_ADD, fd, &event);
  }

  void wake() {
    const std::uint64_t one = 1;
    (void)!::write(wakeup_fd, &one, sizeof one);
  }

  // From any thread: the loop handles it on its next turn.
  std::future<std::string> enqueue(Request request) {
    std::future<std::string> result = request.done.get_future();
    {
      std::lock_guard lock(requests_mutex);
      requests.push_back(std::move(request));
    }
    wake();
    return result;
  }

  // ---- state changes ----

  void set_state(Runtime& runtime, ServiceState state) {
    if (runtime.state == state) {
      return;
    }
    runtime.state = state;
    runtime.state_since = Clock::now();
    runtime.state_since_unix_ms = now_unix_ms();
  }

  void schedule(Runtime& runtime, Due due, Clock::time_point at) {
    runtime.due = due;
    runtime.due_at = at;
  }

  bool dependencies_ready(const Runtime& runtime) const {
    for (const std::string& name : runtime.spec.depends_on) {
      const auto it = std::find_if(runtimes.begin(), runtimes.end(), [&](const Runtime& other) {
        return other.spec.name == name && !other.retired;
      });
      if (it == runtimes.end() || it->state != ServiceState::ready) {
        return false;
      }
    }
    return true;
  }

  bool is_running(const Runtime& runtime) const { return runtime.pidfd >= 0; }

  // Starts every wanted, not running service whose dependencies are ready.
  void start_eligible() {
    for (Runtime& runtime : runtimes) {
      const bool idle =
          runtime.state == ServiceState::stopped || runtime.state == ServiceState::waiting;
      if (!runtime.wanted || is_running(runtime) || !idle) {
        continue;
      }
      if (dependencies_ready(runtime)) {
        spawn(runtime);
      } else if (runtime.state != ServiceState::waiting) {
        set_state(runtime, ServiceState::waiting);
      }
    }
  }

  void spawn(Runtime& runtime) {
    const ServiceSpec& spec = runtime.spec;
    runtime.started = Clock::now();  // also when the start fails: the backoff counts from here
    runtime.log_offset = file_size(spec.log_path);
    SpawnedProcess process;
    try {
      process = spawn_process(
          {spec.argv, spec.env_list(), spec.cwd, spec.log_path, spec.nofile, spec.user, true});
    } catch (const std::exception& error) {
      runtime.last_exit = std::string("could not start: ") + error.what();
      journal.record(spec.name, "start-failed", runtime.last_exit);
      on_unexpected_exit(runtime, Clock::now());
      return;
    }
    runtime.pid = process.pid;
    runtime.pidfd = process.pidfd;
    runtime.start_ticks = process.start_ticks;
    runtime.adopted = false;
    runtime.running_spec = spec;
    ++runtime.instance;
    runtime.started = Clock::now();
    runtime.started_unix_ms = now_unix_ms();
    ++runtime.generation;
    watch(runtime.pidfd, k_tag_pidfd | index_of(runtime));
    save_record(record_path(runtime),
                {process.pid, process.start_ticks, runtime.log_offset, runtime.started_unix_ms});
    let_run(process);  // recorded: a new agent can adopt it from here on
    journal.record(spec.name, "started",
                   "pid " + std::to_string(process.pid) + ": " + join(spec.argv, " "));
    begin_readiness(runtime);
  }

  void begin_readiness(Runtime& runtime) {
    if (runtime.spec.ready) {
      runtime.ready = probe_for_instance(*runtime.spec.ready, runtime.pid);
    }
    if (runtime.spec.liveness) {
      runtime.liveness = probe_for_instance(*runtime.spec.liveness, runtime.pid);
    }
    set_state(runtime, ServiceState::starting);
    runtime.liveness_failures = 0;
    runtime.probe_own_failure = false;  // what an earlier instance answered is no evidence now
    runtime.probe_in_flight = false;
    if (!runtime.spec.ready) {
      became_ready(runtime, "no ready probe: ready once started");
      return;
    }
    runtime.ready_delay = k_first_ready_probe;
    runtime.ready_deadline = Clock::now() + runtime.spec.ready->timeout;
    schedule(runtime, Due::probe_ready, Clock::now() + runtime.ready_delay);
  }

  void became_ready(Runtime& runtime, const std::string& evidence) {
    set_state(runtime, ServiceState::ready);
    runtime.evidence.clear();
    stop_leaving(runtime, "its replacement is ready");
    const auto took = std::chrono::duration_cast<microseconds>(Clock::now() - runtime.started);
    journal.record(runtime.spec.name, "ready",
                   evidence + " (" + std::to_string(took.count() / 1000) + "." +
                       std::to_string(took.count() % 1000 / 100) + "ms after start)");
    if (runtime.spec.liveness) {
      schedule(runtime, Due::probe_liveness, Clock::now() + runtime.spec.liveness->interval);
    } else {
      schedule(runtime, Due::none, {});
    }
    start_eligible();
  }

  void stop(Runtime& runtime, const std::string& why) {
    if (!is_running(runtime)) {
      set_state(runtime, ServiceState::stopped);
      schedule(runtime, Due::none, {});
      return;
    }
    if (runtime.state == ServiceState::stopping) {
      return;
    }
    set_state(runtime, ServiceState::stopping);
    signal_group(runtime.pid, signal_number(runtime.spec.stop.signal));
    journal.record(runtime.spec.name, "stopping",
                   why + ": SIG" + runtime.spec.stop.signal + " to pid " +
                       std::to_string(runtime.pid) + ", SIGKILL after " +
                       format_duration(runtime.spec.stop.timeout));
    schedule(runtime, Due::kill, Clock::now() + runtime.spec.stop.timeout);
  }

  // ---- overlap: old instances beside their replacement ----

  // The running instance keeps serving as a leaving one while its replacement starts.
  void begin_overlap(Runtime& runtime) {
    runtime.overlap_pending = false;
    keep_as_leaving(runtime);
    set_state(runtime, ServiceState::stopped);
    schedule(runtime, Due::none, {});
    spawn(runtime);
  }

  // Keeps the running instance as a leaving one; the runtime is then free for a new one.
  void keep_as_leaving(Runtime& runtime) {
    Leaving old;
    old.pid = runtime.pid;
    old.pidfd = runtime.pidfd;
    old.adopted = runtime.adopted;
    old.start_ticks = runtime.start_ticks;
    old.started_unix_ms = runtime.started_unix_ms;
    old.spec = runtime.running_spec;
    old.log = leaving_log(runtime.spec, old.pid);
    std::error_code renamed;
    std::filesystem::rename(runtime.spec.log_path, old.log, renamed);
    if (renamed) {
      old.log.clear();
    }
    old.record =
        layout.run_dir() / (runtime.spec.name + ".leaving-" + std::to_string(old.pid) + ".pid");
    save_record(old.record, {old.pid, runtime.start_ticks, 0, runtime.started_unix_ms});
    epoll_event event{};
    event.events = EPOLLIN;
    event.data.u64 = k_tag_leaving | static_cast<std::uint32_t>(old.pidfd);
    ::epoll_ctl(epoll_fd, EPOLL_CTL_MOD, old.pidfd, &event);
    journal.record(
        runtime.spec.name, "overlap",
        "pid " + std::to_string(old.pid) + " keeps serving until its replacement is ready");
    runtime.leaving.push_back(std::move(old));
    runtime.pidfd = -1;
    runtime.pid = -1;
    runtime.probe_in_flight = false;
    ++runtime.generation;
    remove_record(record_path(runtime));
  }

  void stop_leaving(Runtime& runtime, const std::string& why) {
    for (Leaving& old : runtime.leaving) {
      if (old.signalled) {
        continue;
      }
      old.signalled = true;
      old.kill_at = Clock::now() + runtime.spec.stop.timeout;
      signal_group(old.pid, signal_number(runtime.spec.stop.signal));
      journal.record(runtime.spec.name, "stopping",
                     why + ": SIG" + runtime.spec.stop.signal + " to the old instance, pid " +
                         std::to_string(old.pid));
    }
  }

  void on_leaving_exit(int pidfd) {
    for (Runtime& runtime : runtimes) {
      const auto it = std::find_if(runtime.leaving.begin(), runtime.leaving.end(),
                                   [&](const Leaving& old) { return old.pidfd == pidfd; });
      if (it == runtime.leaving.end()) {
        continue;
      }
      if (!it->adopted) {
        signal_group(it->pid, SIGKILL);  // whatever it left in its group
      }
      ::epoll_ctl(epoll_fd, EPOLL_CTL_DEL, pidfd, nullptr);
      const ExitStatus status = collect_exit(pidfd, !it->adopted);
      remove_record(it->record);
      if (!it->log.empty()) {  // its last lines come before the new instance's in the rotation
        add_to_rotation(runtime.spec.log_path, it->log, runtime.spec.logs.keep);
      }
      journal.record(runtime.spec.name, "stopped",
                     "old instance, pid " + std::to_string(it->pid) + ": " + describe_exit(status));
      runtime.leaving.erase(it);
      if (runtime.leaving.empty() && runtime.overlap_pending) {
        runtime.overlap_pending = false;
        if (runtime.state == ServiceState::ready && runtime.wanted) {
          begin_overlap(runtime);
        }
        // Otherwise the instance went away meanwhile and its next start uses the new spec.
      }
      return;
    }
  }

  // An overlap start whose replacement never became ready, then an update back to what the
  // old instance runs (a rollback): that old instance, still serving and never told to stop,
  // is the service again. Starting yet another instance would fight it for the port.
  bool reinstate_leaving(Runtime& runtime) {
    const auto old =
        std::find_if(runtime.leaving.begin(), runtime.leaving.end(), [&](const auto& l) {
          return !l.signalled && l.spec && same_definition(*l.spec, runtime.spec);
        });
    if (old == runtime.leaving.end() || runtime.state == ServiceState::ready) {
      return false;
    }
    if (is_running(runtime)) {  // the failed replacement: it goes at once
      ::epoll_ctl(epoll_fd, EPOLL_CTL_DEL, runtime.pidfd, nullptr);
      signal_group(runtime.pid, SIGKILL);
      const ExitStatus status = collect_exit(runtime.pidfd, !runtime.adopted);
      ::close(runtime.pidfd);
      journal.record(runtime.spec.name, "stopped",
                     "the replacement that never became ready, pid " + std::to_string(runtime.pid) +
                         ": " + describe_exit(status));
    }
    runtime.pid = old->pid;
    runtime.pidfd = old->pidfd;
    runtime.start_ticks = old->start_ticks;
    runtime.adopted = old->adopted;
    runtime.started_unix_ms = old->started_unix_ms;
    runtime.running_spec = *old->spec;
    runtime.restart_after_stop = false;
    ++runtime.instance;
    ++runtime.generation;
    epoll_event event{};
    event.events = EPOLLIN;
    event.data.u64 = k_tag_pidfd | index_of(runtime);
    ::epoll_ctl(epoll_fd, EPOLL_CTL_MOD, runtime.pidfd, &event);
    if (!old->log.empty()) {
      // The failed replacement's output goes into the rotation (.1: still there to read);
      // the service log is the reinstated instance's own file again.
      add_to_rotation(runtime.spec.log_path, runtime.spec.log_path, runtime.spec.logs.keep);
      std::error_code ignored;
      std::filesystem::rename(old->log, runtime.spec.log_path, ignored);
    }
    save_record(record_path(runtime), {runtime.pid, runtime.start_ticks,
                                       file_size(runtime.spec.log_path), runtime.started_unix_ms});
    remove_record(old->record);
    runtime.leaving.erase(old);
    journal.record(runtime.spec.name, "reinstated",
                   "pid " + std::to_string(runtime.pid) +
                       " kept serving while its replacement failed; it is the service again");
    begin_readiness(runtime);
    return true;
  }

  void kill_overdue_leaving(Clock::time_point now) {
    for (Runtime& runtime : runtimes) {
      for (Leaving& old : runtime.leaving) {
        if (old.signalled && old.kill_at != Clock::time_point{} && old.kill_at <= now) {
          old.kill_at = {};
          journal.record(runtime.spec.name, "killed",
                         "old instance, pid " + std::to_string(old.pid) + ", did not stop within " +
                             format_duration(runtime.spec.stop.timeout) + "; SIGKILL");
          signal_group(old.pid, SIGKILL);
        }
      }
    }
  }

  // Old instances recorded by an agent that died during an overlap start.
  void adopt_leaving(Runtime& runtime) {
    const std::string prefix = runtime.spec.name + ".leaving-";
    std::error_code error;
    for (const auto& entry : std::filesystem::directory_iterator(layout.run_dir(), error)) {
      const std::string file = entry.path().filename().string();
      if (!file.starts_with(prefix)) {
        continue;
      }
      const auto record = load_record(entry.path());
      const auto pidfd = record ? adopt_process(record->pid, record->start_ticks) : std::nullopt;
      if (!pidfd) {
        remove_record(entry.path());
        continue;
      }
      Leaving old;
      old.pid = record->pid;
      old.pidfd = *pidfd;
      old.adopted = true;
      old.start_ticks = record->start_ticks;
      old.started_unix_ms = record->started_unix_ms;
      if (std::filesystem::exists(leaving_log(runtime.spec, old.pid))) {
        old.log = leaving_log(runtime.spec, old.pid);
      }
      old.record = entry.path();
      watch(old.pidfd, k_tag_leaving | static_cast<std::uint32_t>(old.pidfd));
      journal.record(
          runtime.spec.name, "adopted",
          "old instance, pid " + std::to_string(old.pid) + ", stopped once the service is ready");
      runtime.leaving.push_back(std::move(old));
    }
  }

  // ---- exits ----

  void on_pidfd(std::size_t index) {
    Runtime& runtime = runtimes[index];
    if (runtime.pidfd < 0) {
      return;
    }
    // The process is a zombie until reaped, so its group id cannot be reused yet: clear out
    // anything it left behind in its group before reaping it.
    if (!runtime.adopted) {
      signal_group(runtime.pid, SIGKILL);
    }
    ::epoll_ctl(epoll_fd, EPOLL_CTL_DEL, runtime.pidfd, nullptr);
    const ExitStatus status = collect_exit(runtime.pidfd, !runtime.adopted);
    runtime.pidfd = -1;
    runtime.pid = -1;
    runtime.probe_in_flight = false;
    ++runtime.generation;
    remove_record(record_path(runtime));
    runtime.last_exit = describe_exit(status);
    runtime.last_exit_code =
        status.known && status.signal == 0 ? std::optional(status.code) : std::nullopt;
    const auto now = Clock::now();
    if (runtime.state == ServiceState::stopping) {
      journal.record(runtime.spec.name, "stopped", runtime.last_exit);
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
    journal.record(runtime.spec.name, "exited",
                   runtime.last_exit +
                       "; last log lines: " + join(tail_lines(runtime.spec.log_path, 5), " | "));
    const manifest::RestartPolicy policy = runtime.spec.restart.policy;
    if (policy == manifest::RestartPolicy::never ||
        (policy == manifest::RestartPolicy::on_failure && clean)) {
      set_state(runtime, ServiceState::exited);
      schedule(runtime, Due::none, {});
      return;
    }
    on_unexpected_exit(runtime, now);
  }

  void on_unexpected_exit(Runtime& runtime, Clock::time_point now) {
    const RestartDecision decision = runtime.tracker.on_exit(runtime.started, now);
    if (decision.entered_crash_loop) {
      journal.record(runtime.spec.name, "crash-loop",
                     "more than " + std::to_string(runtime.spec.restart.crash_loop.restarts) +
                         " restarts in " + format_duration(runtime.spec.restart.crash_loop.window) +
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
    journal.record(runtime.spec.name, "restarting", "in " + format_duration(decision.delay));
    schedule(runtime, Due::start, now + decision.delay);
  }

  // The alert hook runs detached: the agent does not wait for it.
  void run_hook(const Runtime& runtime) {
    if (runtime.spec.on_crash_loop.empty()) {
      return;
    }
    std::vector<std::string> env = runtime.spec.env_list();
    env.push_back("BOSUN_SERVICE=" + runtime.spec.name);
    env.push_back("BOSUN_EVENT=crash-loop");
    env.push_back("BOSUN_LAST_EXIT=" + runtime.last_exit);
    try {
      const SpawnedProcess hook = spawn_process({runtime.spec.on_crash_loop, env, runtime.spec.cwd,
                                                 runtime.spec.log_path, std::nullopt, ""});
      hooks.push_back(hook.pidfd);
      watch(hook.pidfd, k_tag_pidfd | (1ULL << 31) | (hooks.size() - 1));
      journal.record(runtime.spec.name, "hook",
                     "on_crash_loop started, pid " + std::to_string(hook.pid));
    } catch (const std::exception& error) {
      journal.record(runtime.spec.name, "hook",
                     std::string("on_crash_loop could not start: ") + error.what());
    }
  }

  void on_hook_exit(std::size_t index) {
    if (index < hooks.size() && hooks[index] >= 0) {
      ::epoll_ctl(epoll_fd, EPOLL_CTL_DEL, hooks[index], nullptr);
      collect_exit(hooks[index], true);
      hooks[index] = -1;
    }
  }

  // ---- probes ----

  void submit_probe(Runtime& runtime, ProbeRole role) {
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
    context.timeout = role == ProbeRole::readiness
                          ? std::min(k_ready_attempt_timeout, probe.timeout)
                          : probe.timeout;
    context.log_path = runtime.spec.log_path;
    context.log_offset = runtime.log_offset;
    context.env = runtime.spec.env;
    context.cwd = runtime.spec.cwd;
    runtime.probe_in_flight = true;
    probes->submit({index_of(runtime), runtime.generation, role, probe.check.kind, context});
  }

  // A readiness probe that expects the instance's own ${pid} in the body, answered without it:
  // another instance on a shared port (an overlap deploy) took the request. Its answer says
  // nothing about this instance; the instance's own failing answer is the evidence to keep.
  static bool answered_by_another_instance(const Runtime& runtime, const ProbeOutcome& outcome) {
    if (outcome.role != ProbeRole::readiness || outcome.result.passed() || !runtime.spec.ready) {
      return false;
    }
    const auto* http = std::get_if<manifest::HttpCheck>(&runtime.spec.ready->check.kind);
    return http != nullptr && http->body_contains.find("${pid}") != std::string::npos &&
           outcome.result.body_mismatch;
  }

  void on_probe(const ProbeOutcome& outcome) {
    Runtime& runtime = runtimes[outcome.service];
    if (outcome.generation != runtime.generation || !is_running(runtime)) {
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
    const auto now = Clock::now();
    if (outcome.role == ProbeRole::readiness) {
      if (runtime.state != ServiceState::starting && runtime.state != ServiceState::unhealthy) {
        return;
      }
      if (outcome.result.passed()) {
        became_ready(runtime, outcome.result.evidence);
        return;
      }
      if (runtime.state == ServiceState::starting && now >= runtime.ready_deadline) {
        set_state(runtime, ServiceState::unhealthy);
        runtime.evidence = tail_lines(runtime.spec.log_path, k_evidence_lines);
        journal.record(runtime.spec.name, "not-ready",
                       "not ready within " + format_duration(runtime.spec.ready->timeout) + ": " +
                           runtime.probe);
      }
      const auto interval = std::chrono::duration_cast<microseconds>(runtime.spec.ready->interval);
      runtime.ready_delay = std::min(interval, runtime.ready_delay * 3 / 2);
      schedule(runtime, Due::probe_ready, now + runtime.ready_delay);
      return;
    }
    if (runtime.state != ServiceState::ready) {
      return;
    }
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
    journal.record(runtime.spec.name, "liveness-failed",
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

  // ---- timers ----

  void on_due(Runtime& runtime, Clock::time_point now) {
    const Due due = runtime.due;
    runtime.due = Due::none;
    switch (due) {
      case Due::none:
        break;
      case Due::start:
        if (runtime.wanted && !is_running(runtime)) {
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
        if (!runtime.probe_in_flight && is_running(runtime)) {
          submit_probe(runtime, ProbeRole::readiness);
        }
        break;
      case Due::probe_liveness:
        if (!runtime.probe_in_flight && runtime.state == ServiceState::ready) {
          submit_probe(runtime, ProbeRole::liveness);
        }
        break;
      case Due::kill:
        if (is_running(runtime)) {
          journal.record(
              runtime.spec.name, "killed",
              "did not stop within " + format_duration(runtime.spec.stop.timeout) + "; SIGKILL");
          signal_group(runtime.pid, SIGKILL);
        }
        break;
    }
    (void)now;
  }

  void housekeeping() {
    for (const Runtime& runtime : runtimes) {
      if (rotate_if_larger(runtime.spec.log_path, runtime.spec.logs.max_size,
                           runtime.spec.logs.keep)) {
        journal.record(runtime.spec.name, "log-rotated", runtime.spec.log_path);
      }
    }
    next_housekeeping = Clock::now() + k_housekeeping_every;
  }

  void arm_timer() {
    Clock::time_point earliest = next_housekeeping;
    for (const Runtime& runtime : runtimes) {
      if (runtime.due != Due::none && runtime.due_at < earliest) {
        earliest = runtime.due_at;
      }
      for (const Leaving& old : runtime.leaving) {
        if (old.signalled && old.kill_at != Clock::time_point{} && old.kill_at < earliest) {
          earliest = old.kill_at;
        }
      }
    }
    // steady_clock is CLOCK_MONOTONIC on Linux, so its time points arm the timerfd directly.
    const auto since_epoch =
        std::chrono::duration_cast<std::chrono::nanoseconds>(earliest.time_since_epoch());
    itimerspec spec{};
    spec.it_value.tv_sec = static_cast<time_t>(since_epoch.count() / 1'000'000'000);
    spec.it_value.tv_nsec = static_cast<long>(since_epoch.count() % 1'000'000'000);
    if (spec.it_value.tv_sec == 0 && spec.it_value.tv_nsec == 0) {
      spec.it_value.tv_nsec = 1;  // zero would disarm the timer
    }
    ::timerfd_settime(timer_fd, TFD_TIMER_ABSTIME, &spec, nullptr);
  }

  // ---- requests ----

  std::string update(ServiceSpec spec, UpdateMode mode) {
    auto it = std::find_if(runtimes.begin(), runtimes.end(),
                           [&](const Runtime& runtime) { return runtime.spec.name == spec.name; });
    if (it == runtimes.end()) {
      const std::string name = spec.name;
      runtimes.emplace_back(std::move(spec));
      journal.record(name, "added", "by a deploy");
      start_eligible();
      return "";
    }
    Runtime& runtime = *it;
    const bool was_retired = runtime.retired;
    runtime.retired = false;
    runtime.spec = std::move(spec);
    runtime.tracker = RestartTracker(runtime.spec.restart.backoff, runtime.spec.restart.crash_loop);
    if (mode == UpdateMode::in_place && !was_retired) {
      return "";
    }
    runtime.wanted = true;
    if (reinstate_leaving(runtime)) {
      return "";
    }
    if (!is_running(runtime) && runtime.state != ServiceState::stopping) {
      set_state(runtime, ServiceState::stopped);
      schedule(runtime, Due::none, {});
      journal.record(runtime.spec.name, "updated", "new definition; starting");
      start_eligible();
      return "";
    }
    if (mode == UpdateMode::overlap && runtime.state == ServiceState::ready) {
      if (!runtime.leaving.empty()) {
        runtime.overlap_pending = true;
        stop_leaving(runtime, "a newer instance is waiting to start");
        journal.record(runtime.spec.name, "updated",
                       "new definition; starting once the old instance has stopped");
        return "";
      }
      begin_overlap(runtime);
      return "";
    }
    // Restart, or an overlap whose old instance is not serving anyway.
    runtime.restart_after_stop = true;
    stop(runtime, "new definition");
    return "";
  }

  std::string retire(const std::string& name) {
    const auto it = std::find_if(runtimes.begin(), runtimes.end(),
                                 [&](const Runtime& runtime) { return runtime.spec.name == name; });
    if (it == runtimes.end()) {
      return "unknown service \"" + name + "\"";
    }
    it->retired = true;
    it->wanted = false;
    it->restart_after_stop = false;
    stop(*it, "removed from the manifest");
    stop_leaving(*it, "removed from the manifest");
    return "";
  }

  std::string handle(Request& request) {
    if (request.kind == RequestKind::update && request.spec) {
      return update(std::move(*request.spec), request.mode);
    }
    if (request.kind == RequestKind::retire) {
      return retire(request.service);
    }
    return handle(request.kind, request.service);
  }

  std::string handle(RequestKind kind, const std::string& name) {
    if (kind == RequestKind::stop_all) {
      stopping_all = true;
      for (Runtime& runtime : runtimes) {
        runtime.wanted = false;
      }
      return "";
    }
    const auto it = std::find_if(runtimes.begin(), runtimes.end(), [&](const Runtime& runtime) {
      return runtime.spec.name == name && !runtime.retired;
    });
    if (it == runtimes.end()) {
      return "unknown service \"" + name + "\"";
    }
    Runtime& runtime = *it;
    switch (kind) {
      case RequestKind::start:
        runtime.wanted = true;
        runtime.tracker.reset();
        if (!is_running(runtime)) {
          set_state(runtime, ServiceState::stopped);
          schedule(runtime, Due::none, {});
          journal.record(name, "start-requested", "by the operator");
          start_eligible();
        }
        return "";
      case RequestKind::stop:
        runtime.wanted = false;
        runtime.restart_after_stop = false;
        stop(runtime, "stop requested");
        return "";
      case RequestKind::restart:
        runtime.wanted = true;
        runtime.tracker.reset();
        if (is_running(runtime)) {
          runtime.restart_after_stop = true;
          stop(runtime, "restart requested");
        } else {
          set_state(runtime, ServiceState::stopped);
          schedule(runtime, Due::none, {});
          start_eligible();
        }
        return "";
      case RequestKind::stop_all:
      case RequestKind::update:
      case RequestKind::retire:
        break;
    }
    return "";
  }

  // Stops services whose dependents are all down: reverse dependency order.
  void continue_stopping_all() {
    for (Runtime& runtime : runtimes) {
      stop_leaving(runtime, "agent shutting down");
    }
    for (Runtime& runtime : runtimes) {
      if (!is_running(runtime) || runtime.state == ServiceState::stopping) {
        if (!is_running(runtime) && runtime.state != ServiceState::stopped) {
          set_state(runtime, ServiceState::stopped);
          schedule(runtime, Due::none, {});
        }
        continue;
      }
      const bool dependents_down =
          std::none_of(runtimes.begin(), runtimes.end(), [&](const Runtime& other) {
            return is_running(other) &&
                   std::find(other.spec.depends_on.begin(), other.spec.depends_on.end(),
                             runtime.spec.name) != other.spec.depends_on.end();
          });
      if (dependents_down) {
        stop(runtime, "agent shutting down");
      }
    }
  }

  bool all_stopped() const {
    return std::none_of(runtimes.begin(), runtimes.end(),
                        [this](const Runtime& r) { return is_running(r) || !r.leaving.empty(); });
  }

  // ---- adoption ----

  void adopt_survivors() {
    for (Runtime& runtime : runtimes) {
      adopt_leaving(runtime);
      const auto record = load_record(record_path(runtime));
      if (!record) {
        continue;
      }
      const auto pidfd = adopt_process(record->pid, record->start_ticks);
      if (!pidfd) {
        remove_record(record_path(runtime));
        journal.record(runtime.spec.name, "not-adopted",
                       "pid " + std::to_string(record->pid) + " is gone");
        continue;
      }
      runtime.pid = record->pid;
      runtime.pidfd = *pidfd;
      runtime.start_ticks = record->start_ticks;
      runtime.adopted = true;
      runtime.running_spec = runtime.spec;
      ++runtime.instance;
      runtime.log_offset = record->log_offset;
      runtime.started_unix_ms = record->started_unix_ms;
      runtime.started = Clock::now() - milliseconds(std::max<std::int64_t>(
                                           0, now_unix_ms() - record->started_unix_ms));
      ++runtime.generation;
      watch(runtime.pidfd, k_tag_pidfd | index_of(runtime));
      journal.record(runtime.spec.name, "adopted",
                     "pid " + std::to_string(runtime.pid) + " still running");
      begin_readiness(runtime);
    }
  }

  // ---- loop ----

  void run() {
    layout.create();
    journal.record("", "agent-started",
                   "supervising " + std::to_string(runtimes.size()) + " service(s)");
    adopt_survivors();
    start_eligible();
    next_housekeeping = Clock::now() + k_housekeeping_every;
    bool leaving = false;
    while (!(leaving || (stopping_all && all_stopped()))) {
      publish();
      arm_timer();
      epoll_event events[16];
      const int count = ::epoll_wait(epoll_fd, events, 16, -1);
      if (count < 0 && errno != EINTR) {
        throw std::runtime_error(std::string("epoll_wait: ") + std::strerror(errno));
      }
      for (int i = 0; i < count; ++i) {
        const std::uint64_t tag = events[i].data.u64;
        const std::uint64_t kind = tag & 0xffffffff00000000ULL;
        if (kind == k_tag_timer) {
          std::uint64_t expirations = 0;
          (void)!::read(timer_fd, &expirations, sizeof expirations);
        } else if (kind == k_tag_wakeup) {
          std::uint64_t value = 0;
          (void)!::read(wakeup_fd, &value, sizeof value);
        } else if (kind == k_tag_signal) {
          signalfd_siginfo info{};
          (void)!::read(signal_fd, &info, sizeof info);
          journal.record("", "agent-stopping",
                         std::string("SIG") + ::sigabbrev_np(static_cast<int>(info.ssi_signo)) +
                             ": services keep running for the next agent to adopt");
          leaving = true;
        } else if (kind == k_tag_leaving) {
          on_leaving_exit(static_cast<int>(tag & 0xffffffffULL));
        } else if (kind == k_tag_pidfd) {
          const std::uint64_t index = tag & 0xffffffffULL;
          if ((index & (1ULL << 31)) != 0) {
            on_hook_exit(static_cast<std::size_t>(index & 0x7fffffffULL));
          } else {
            on_pidfd(static_cast<std::size_t>(index));
          }
        }
      }
      for (const ProbeOutcome& outcome : probes->take_results()) {
        on_probe(outcome);
      }
      std::deque<Request> pending;
      {
        std::lock_guard lock(requests_mutex);
        pending.swap(requests);
      }
      for (Request& request : pending) {
        request.done.set_value(handle(request));
      }
      const auto now = Clock::now();
      for (Runtime& runtime : runtimes) {
        if (runtime.due != Due::none && runtime.due_at <= now) {
          on_due(runtime, now);
        }
      }
      kill_overdue_leaving(now);
      if (now >= next_housekeeping) {
        housekeeping();
      }
      if (stopping_all) {
        continue_stopping_all();
      }
      report_to_systemd();
    }
    publish();
    journal.record("", "agent-exited", stopping_all ? "services stopped" : "services left running");
  }

  // READY=1 once no service is still on its way up (waiting or starting); STATUS= whenever
  // the count of ready services changes.
  void report_to_systemd() {
    const auto ready = std::count_if(runtimes.begin(), runtimes.end(), [](const Runtime& r) {
      return r.state == ServiceState::ready;
    });
    const bool settled = std::none_of(runtimes.begin(), runtimes.end(), [](const Runtime& r) {
      return r.state == ServiceState::waiting || r.state == ServiceState::starting;
    });
    std::string message;
    if (settled && !told_ready) {
      message = "READY=1\n";
      told_ready = true;
    }
    if (ready != last_ready_count) {
      message += "STATUS=" + std::to_string(ready) + "/" + std::to_string(runtimes.size()) +
                 " services ready";
      last_ready_count = ready;
    }
    if (!message.empty()) {
      notify_systemd(message);
    }
  }

  // ---- snapshot ----

  void publish() {
    std::vector<ServiceStatus> statuses;
    for (const Runtime& runtime : runtimes) {
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
      status.instance = runtime.instance;
      status.leaving = static_cast<int>(runtime.leaving.size());
      status.leaving_stopping =
          static_cast<int>(std::count_if(runtime.leaving.begin(), runtime.leaving.end(),
                                         [](const Leaving& old) { return old.signalled; }));
      statuses.push_back(std::move(status));
    }
    std::lock_guard lock(published_mutex);
    published = std::move(statuses);
  }

  std::size_t index_of(const Runtime& runtime) const {
    return static_cast<std::size_t>(&runtime - runtimes.data());
  }
  std::filesystem::path record_path(const Runtime& runtime) const {
    return layout.run_dir() / (runtime.spec.name + ".pid");
  }

  HostLayout layout;
  Journal& journal;
  std::vector<Runtime> runtimes;
  std::vector<int> hooks;
  int epoll_fd = -1;
  int timer_fd = -1;
  int wakeup_fd = -1;
  int signal_fd = -1;
  std::unique_ptr<ProbeRunner> probes;
  Clock::time_point next_housekeeping{};
  bool stopping_all = false;
  bool told_ready = false;
  std::ptrdiff_t last_ready_count = -1;
  std::mutex requests_mutex;
  std::deque<Request> requests;
  mutable std::mutex published_mutex;
  std::vector<ServiceStatus> published;
};

Supervisor::Supervisor(std::vector<ServiceSpec> services, HostLayout layout, Journal& journal)
    : m_impl(std::make_unique<Impl>(std::move(services), std::move(layout), journal)) {}

Supervisor::~Supervisor() = default;

void Supervisor::run() {
  m_impl->run();
}

std::vector<ServiceStatus> Supervisor::snapshot() const {
  std::lock_guard lock(m_impl->published_mutex);
  return m_impl->published;
}

std::future<std::string> Supervisor::request(RequestKind kind, const std::string& service) {
  return m_impl->enqueue({kind, service, {}, std::nullopt, UpdateMode::in_place});
}

std::future<std::string> Supervisor::update(ServiceSpec spec, UpdateMode mode) {
  const std::string name = spec.name;
  return m_impl->enqueue({RequestKind::update, name, {}, std::move(spec), mode});
}

std::string await_reply(std::future<std::string> reply) {
  if (reply.wait_for(std::chrono::seconds(10)) != std::future_status::ready) {
    return "the supervisor did not answer within 10s";
  }
  return reply.get();
}

std::future<std::string> Supervisor::retire(const std::string& service) {
  return request(RequestKind::retire, service);
}

}  // namespace bosun::agent
