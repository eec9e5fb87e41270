// The supervisor's event loop around the supervision state machine: epoll over the services'
// pidfds, a timerfd armed for the machine's next due time, a signalfd (SIGTERM/SIGINT: leave
// the services running) and an eventfd that requests and probe results wake it with. Other
// threads see only the published statuses and the request queue.
#include "supervise/supervisor.hpp"

#include <signal.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/signalfd.h>
#include <sys/timerfd.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <deque>
#include <set>
#include <stdexcept>

#include "proxy/nginx_upstream.hpp"
#include "state/journal.hpp"
#include "supervise/probe_runner.hpp"
#include "supervise/supervision.hpp"
#include "supervise/systemd_notify.hpp"
#include "sys/process_control.hpp"
#include "sys/time_source.hpp"

namespace bosun::agent::supervise {

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

// epoll tags: what became readable (a pidfd is tagged with its own number).
constexpr std::uint64_t k_tag_timer = 1ULL << 32;
constexpr std::uint64_t k_tag_wakeup = 2ULL << 32;
constexpr std::uint64_t k_tag_signal = 3ULL << 32;
constexpr std::uint64_t k_tag_pidfd = 4ULL << 32;

struct Request {
  RequestKind kind;
  std::string service;
  std::promise<std::string> done;
  std::optional<ServiceSpec> spec;  // update
  UpdateMode mode = UpdateMode::in_place;
};

// The pidfds the state machine waits on, in the epoll set. Those still watched when the loop
// ends (services left running for the next agent) are closed with it.
class EpollExitWatch final : public ExitWatch {
 public:
  explicit EpollExitWatch(int epoll_fd) : m_epoll_fd(epoll_fd) {}
  ~EpollExitWatch() override {
    for (int pidfd : m_watched) {
      ::close(pidfd);
    }
  }
  EpollExitWatch(const EpollExitWatch&) = delete;
  EpollExitWatch& operator=(const EpollExitWatch&) = delete;

  void watch(int pidfd) override {
    epoll_event event{};
    event.events = EPOLLIN;
    event.data.u64 = k_tag_pidfd | static_cast<std::uint32_t>(pidfd);
    ::epoll_ctl(m_epoll_fd, EPOLL_CTL_ADD, pidfd, &event);
    m_watched.insert(pidfd);
  }
  void unwatch(int pidfd) override {
    ::epoll_ctl(m_epoll_fd, EPOLL_CTL_DEL, pidfd, nullptr);
    m_watched.erase(pidfd);
  }

 private:
  int m_epoll_fd;
  std::set<int> m_watched;
};

}  // namespace

struct Supervisor::Impl {
  Impl(std::vector<ServiceSpec> services, HostLayout host_layout, state::Journal& agent_journal)
      : journal(agent_journal) {
    epoll_fd = ::epoll_create1(EPOLL_CLOEXEC);
    timer_fd = ::timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK);
    wakeup_fd = ::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
    sigset_t stop_signals;
    sigemptyset(&stop_signals);
    sigaddset(&stop_signals, SIGTERM);
    sigaddset(&stop_signals, SIGINT);
    signal_fd = ::signalfd(-1, &stop_signals, SFD_CLOEXEC | SFD_NONBLOCK);
    if (epoll_fd < 0 || timer_fd < 0 || wakeup_fd < 0 || signal_fd < 0) {
      close_fds();
      throw std::runtime_error(std::string("cannot set up the event loop: ") +
                               std::strerror(errno));
    }
    add(timer_fd, k_tag_timer);
    add(wakeup_fd, k_tag_wakeup);
    add(signal_fd, k_tag_signal);
    exits = std::make_unique<EpollExitWatch>(epoll_fd);
    probes = std::make_unique<ProbeRunner>(2, [this] { wake(); });
    sockets = sys::system_listen_sockets(host_layout.run_dir());
    proxy = proxy::nginx_proxy_control();
    machine = std::make_unique<Supervision>(
        std::move(services), std::move(host_layout),
        SupervisionEffects{sys::system_processes(), *sockets, *proxy, sys::system_time(), *exits,
                           *probes, journal});
    publish();
  }

  ~Impl() {
    probes.reset();  // its threads call wake(): gone before the fds
    machine.reset();
    exits.reset();
    close_fds();
  }

  void close_fds() {
    for (int fd : {epoll_fd, timer_fd, wakeup_fd, signal_fd}) {
      if (fd >= 0) {
        ::close(fd);
      }
    }
  }

  void add(int fd, std::uint64_t tag) {
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

  std::string handle(Request& request) {
    switch (request.kind) {
      case RequestKind::start:
        return machine->start(request.service);
      case RequestKind::stop:
        return machine->stop(request.service);
      case RequestKind::restart:
        return machine->restart(request.service);
      case RequestKind::stop_all:
        machine->stop_all();
        return "";
      case RequestKind::update:
        return request.spec ? machine->update(std::move(*request.spec), request.mode) : "";
      case RequestKind::retire:
        return machine->retire(request.service);
    }
    return "";
  }

  void arm_timer() {
    // steady_clock is CLOCK_MONOTONIC on Linux, so its time points arm the timerfd directly.
    const auto since_epoch = std::chrono::duration_cast<std::chrono::nanoseconds>(
        machine->next_due().time_since_epoch());
    itimerspec spec{};
    spec.it_value.tv_sec = static_cast<time_t>(since_epoch.count() / 1'000'000'000);
    spec.it_value.tv_nsec = static_cast<long>(since_epoch.count() % 1'000'000'000);
    if (spec.it_value.tv_sec == 0 && spec.it_value.tv_nsec == 0) {
      spec.it_value.tv_nsec = 1;  // zero would disarm the timer
    }
    ::timerfd_settime(timer_fd, TFD_TIMER_ABSTIME, &spec, nullptr);
  }

  // One epoll event; true when a stop signal says the agent leaves.
  bool dispatch(std::uint64_t tag) {
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
      return true;
    } else if (kind == k_tag_pidfd) {
      machine->process_exited(static_cast<int>(tag & 0xffffffffULL));
    }
    return false;
  }

  void run() {
    journal.record("", "agent-started",
                   "supervising " + std::to_string(machine->service_count()) + " service(s)");
    machine->begin();
    publish();
    bool leaving = false;
    while (!leaving && !machine->finished()) {
      arm_timer();
      epoll_event events[16];
      const int count = ::epoll_wait(epoll_fd, events, 16, -1);
      if (count < 0 && errno != EINTR) {
        throw std::runtime_error(std::string("epoll_wait: ") + std::strerror(errno));
      }
      for (int i = 0; i < count; ++i) {
        leaving = dispatch(events[i].data.u64) || leaving;
      }
      for (const ProbeOutcome& outcome : probes->take_results()) {
        machine->probe_finished(outcome);
      }
      std::deque<Request> pending;
      {
        std::lock_guard lock(requests_mutex);
        pending.swap(requests);
      }
      for (Request& request : pending) {
        request.done.set_value(handle(request));
      }
      machine->time_passed();
      report_to_systemd(publish());
    }
    publish();
    journal.record("", "agent-exited",
                   machine->stopping_all() ? "services stopped" : "services left running");
  }

  // READY=1 once no service is still on its way up (waiting or starting); STATUS= whenever
  // the count of ready services changes.
  void report_to_systemd(const std::vector<ServiceStatus>& statuses) {
    const auto ready = std::count_if(statuses.begin(), statuses.end(),
                                     [](const auto& s) { return s.state == ServiceState::ready; });
    const bool settled = std::none_of(statuses.begin(), statuses.end(), [](const auto& s) {
      return s.state == ServiceState::waiting || s.state == ServiceState::starting;
    });
    std::string message;
    if (settled && !told_ready) {
      message = "READY=1\n";
      told_ready = true;
    }
    if (ready != last_ready_count) {
      message += "STATUS=" + std::to_string(ready) + "/" + std::to_string(statuses.size()) +
                 " services ready";
      last_ready_count = ready;
    }
    if (!message.empty()) {
      notify_systemd(message);
    }
  }

  // The statuses other threads see, built once per turn of the loop; returned for the loop's
  // own use.
  std::vector<ServiceStatus> publish() {
    std::vector<ServiceStatus> statuses = machine->statuses();
    std::lock_guard lock(published_mutex);
    published = statuses;
    return statuses;
  }

  state::Journal& journal;
  int epoll_fd = -1;
  int timer_fd = -1;
  int wakeup_fd = -1;
  int signal_fd = -1;
  std::unique_ptr<EpollExitWatch> exits;
  std::unique_ptr<ProbeRunner> probes;
  std::unique_ptr<sys::ListenSockets> sockets;  // these two outlive the machine that uses them
  std::unique_ptr<ProxyControl> proxy;
  std::unique_ptr<Supervision> machine;
  bool told_ready = false;
  std::ptrdiff_t last_ready_count = -1;
  std::mutex requests_mutex;
  std::deque<Request> requests;
  mutable std::mutex published_mutex;
  std::vector<ServiceStatus> published;
};

Supervisor::Supervisor(std::vector<ServiceSpec> services, HostLayout layout,
                       state::Journal& journal)
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

std::future<std::string> Supervisor::retire(const std::string& service) {
  return request(RequestKind::retire, service);
}

std::optional<ServiceStatus> status_of(const Supervisor& supervisor, const std::string& name) {
  for (ServiceStatus& status : supervisor.snapshot()) {
    if (status.name == name) {
      return std::move(status);
    }
  }
  return std::nullopt;
}

std::string await_reply(std::future<std::string> reply) {
  if (reply.wait_for(std::chrono::seconds(10)) != std::future_status::ready) {
    return "the supervisor did not answer within 10s";
  }
  return reply.get();
}

}  // namespace bosun::agent::supervise
