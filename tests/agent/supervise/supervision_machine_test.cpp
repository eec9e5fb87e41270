// The supervision state machine on fakes: a manual clock, processes that are never started,
// probes the test answers. Each test drives events in and reads the actions that came out
// (spawns, signals, reaps, journal entries, probes) and the statuses.
#include <gtest/gtest.h>

#include <algorithm>
#include <fstream>
#include <memory>

#include "agent_namespaces.hpp"
#include "child_process.hpp"
#include "fake_processes.hpp"
#include "manual_clock.hpp"
#include "recording_supervision_effects.hpp"
#include "state/adoption_record.hpp"
#include "supervise/supervision.hpp"

namespace bosun::agent {
namespace {

using namespace std::chrono_literals;
using test::FakeProcesses;
using test::ManualClock;
using Actions = std::vector<std::string>;

manifest::ProbeSpec exec_probe(std::chrono::milliseconds timeout,
                               std::chrono::milliseconds interval, int failures = 0) {
  manifest::ExecCheck check;
  check.command.argv = {"true"};
  manifest::ProbeSpec probe;
  probe.check.kind = check;
  probe.timeout = timeout;
  probe.interval = interval;
  probe.failures = failures;
  return probe;
}

// A machine on fakes over a temporary root. Services are named after their program.
class Rig {
 public:
  ServiceSpec service(const std::string& name) const {
    ServiceSpec spec;
    spec.name = name;
    spec.argv = {name};
    spec.cwd = m_dir.path();
    spec.log_path = layout().log_of(name).string();
    return spec;
  }
  HostLayout layout() const { return HostLayout{m_dir.path()}; }

  void begin(std::vector<ServiceSpec> services) {
    layout().create();
    machine = std::make_unique<Supervision>(
        std::move(services), layout(),
        SupervisionEffects{processes, sockets, proxy, clock, exits, probes, journal});
    machine->begin();
  }

  pid_t pid(const std::string& name) const { return processes.last_pid(name); }
  ServiceStatus status(const std::string& name) const {
    for (const ServiceStatus& status : machine->statuses()) {
      if (status.name == name) {
        return status;
      }
    }
    ADD_FAILURE() << "no status for " << name;
    return {};
  }
  ServiceState state(const std::string& name) const { return status(name).state; }

  void exits_with(pid_t process, int code) {
    processes.will_exit(process, code);
    machine->process_exited(processes.pidfd_of(process));
  }
  void killed_by(pid_t process, int signal) {
    processes.will_be_killed(process, signal);
    machine->process_exited(processes.pidfd_of(process));
  }
  void advance(std::chrono::microseconds by) {
    clock.advance(by);
    machine->time_passed();
  }
  // Moves the clock to the machine's next due time and runs what is due.
  void advance_to_next_due() {
    const auto due = machine->next_due();
    if (due > clock.now()) {
      clock.advance(std::chrono::duration_cast<std::chrono::microseconds>(due - clock.now()));
    }
    machine->time_passed();
  }
  // Answers the oldest unanswered probe job.
  ProbeJob answer_probe(bool pass, std::string evidence = "probe") {
    EXPECT_FALSE(probes.jobs.empty()) << "no probe was submitted";
    if (probes.jobs.empty()) {
      return {};
    }
    ProbeJob job = probes.jobs.front();
    probes.jobs.erase(probes.jobs.begin());
    ProbeOutcome outcome{job.service, job.generation, job.role, {}};
    outcome.result.status = pass ? checks::Status::pass : checks::Status::fail;
    outcome.result.evidence = std::move(evidence);
    machine->probe_finished(outcome);
    return job;
  }
  // Runs the due readiness probe of a starting service and answers it.
  void make_ready() {
    advance_to_next_due();
    answer_probe(true, "ok");
  }

  FakeProcesses processes;
  test::RecordingSockets sockets;
  test::RecordingProxy proxy;
  ManualClock clock;
  test::RecordingExitWatch exits;
  test::RecordingProbes probes;
  test::RecordingJournal journal;
  std::unique_ptr<Supervision> machine;

 private:
  test::TempDir m_dir;
};

TEST(SupervisionMachine, StartsADependentOnlyOnceItsDependencyIsReady) {
  Rig rig;
  ServiceSpec db = rig.service("db");
  db.ready = exec_probe(5s, 100ms);
  ServiceSpec web = rig.service("web");
  web.depends_on = {"db"};
  rig.begin({web, db});

  EXPECT_EQ(rig.processes.take_actions(), (Actions{"spawn db", "let-run 1001"}));
  EXPECT_EQ(rig.state("db"), ServiceState::starting);
  EXPECT_EQ(rig.state("web"), ServiceState::waiting);
  EXPECT_TRUE(rig.exits.watched.contains(rig.processes.pidfd_of(rig.pid("db"))));

  rig.make_ready();
  EXPECT_EQ(rig.state("db"), ServiceState::ready);
  EXPECT_EQ(rig.processes.take_actions(), (Actions{"spawn web", "let-run 1002"}));
  EXPECT_EQ(rig.state("web"), ServiceState::ready);  // no ready probe: ready once started
  // Recorded before it may exec, so that a new agent could adopt it.
  const auto record = load_record(rig.layout().run_dir() / "web.pid");
  ASSERT_TRUE(record.has_value());
  EXPECT_EQ(record->pid, rig.pid("web"));
}

TEST(SupervisionMachine, ProbesReadinessFastThenAtTheIntervalAndIsUnhealthyPastTheTimeout) {
  Rig rig;
  ServiceSpec api = rig.service("api");
  api.ready = exec_probe(1s, 100ms);
  rig.begin({api});
  const auto started = rig.clock.now();

  EXPECT_EQ(rig.machine->next_due() - started, std::chrono::microseconds(200));
  rig.advance(199us);
  EXPECT_TRUE(rig.probes.jobs.empty());
  rig.advance(1us);
  ASSERT_EQ(rig.probes.jobs.size(), 1U);
  EXPECT_EQ(rig.probes.jobs.front().role, ProbeRole::readiness);
  rig.answer_probe(false, "connection refused");
  EXPECT_EQ(rig.machine->next_due() - rig.clock.now(), std::chrono::microseconds(300));

  // Failing answers back off by 1.5x up to the interval; no second probe while one is out.
  std::chrono::microseconds last_gap{0};
  for (int i = 0; i < 40 && rig.clock.now() - started < 1s; ++i) {
    rig.advance_to_next_due();
    ASSERT_EQ(rig.probes.jobs.size(), 1U);
    rig.answer_probe(false, "connection refused");
    last_gap = std::chrono::duration_cast<std::chrono::microseconds>(rig.machine->next_due() -
                                                                     rig.clock.now());
  }
  EXPECT_EQ(last_gap, std::chrono::microseconds(100ms));
  EXPECT_EQ(rig.state("api"), ServiceState::unhealthy);
  EXPECT_NE(rig.journal.last("api", "not-ready").find("not ready within 1s"), std::string::npos)
      << rig.journal.last("api", "not-ready");

  // A late pass still makes it ready.
  rig.advance_to_next_due();
  rig.answer_probe(true, "HTTP 200");
  EXPECT_EQ(rig.state("api"), ServiceState::ready);
  EXPECT_EQ(rig.processes.spawn_count("api"), 1);
}

TEST(SupervisionMachine, ACrashRestartsAtOnceThenAfterABackoffThatDoublesForQuickCrashes) {
  Rig rig;
  rig.begin({rig.service("worker")});
  rig.processes.take_actions();

  rig.exits_with(rig.pid("worker"), 3);
  EXPECT_EQ(rig.processes.take_actions(), (Actions{"signal 1001 KILL", "reap 1001"}));
  EXPECT_EQ(rig.state("worker"), ServiceState::backoff);
  EXPECT_EQ(rig.status("worker").last_exit_code, 3);
  EXPECT_EQ(rig.journal.last("worker", "restarting"), "in 0s");
  EXPECT_FALSE(rig.exits.watched.contains(4000 + 1001));
  rig.advance(0us);
  EXPECT_EQ(rig.processes.spawn_count("worker"), 2);
  EXPECT_EQ(rig.status("worker").restarts, 1);

  rig.exits_with(rig.pid("worker"), 3);  // quick again: the initial delay
  EXPECT_EQ(rig.journal.last("worker", "restarting"), "in 100ms");
  rig.advance(99ms);
  EXPECT_EQ(rig.processes.spawn_count("worker"), 2);
  rig.advance(1ms);
  EXPECT_EQ(rig.processes.spawn_count("worker"), 3);

  rig.exits_with(rig.pid("worker"), 3);  // and again: twice that
  EXPECT_EQ(rig.journal.last("worker", "restarting"), "in 200ms");
  rig.advance(199ms);
  EXPECT_EQ(rig.processes.spawn_count("worker"), 3);
  rig.advance(1ms);
  EXPECT_EQ(rig.processes.spawn_count("worker"), 4);
}

TEST(SupervisionMachine, ACrashLoopRunsTheHookOnceAndGivesUpWhenConfigured) {
  Rig rig;
  ServiceSpec worker = rig.service("worker");
  worker.restart.crash_loop.restarts = 2;
  worker.restart.crash_loop.give_up = true;
  worker.on_crash_loop = {"alert", "--page"};
  rig.begin({worker});

  for (int crash = 0; crash < 3; ++crash) {
    ASSERT_EQ(rig.state("worker"), ServiceState::ready) << "crash " << crash;
    rig.exits_with(rig.pid("worker"), 1);
    rig.advance_to_next_due();
  }
  EXPECT_EQ(rig.state("worker"), ServiceState::failed);
  EXPECT_EQ(rig.processes.spawn_count("worker"), 3);
  ASSERT_EQ(rig.processes.spawn_count("alert"), 1);
  const SpawnRequest& hook = rig.processes.request_of(rig.pid("alert"));
  EXPECT_NE(std::find(hook.env.begin(), hook.env.end(), "BOSUN_EVENT=crash-loop"), hook.env.end());
  EXPECT_NE(rig.journal.last("worker", "crash-loop").find("giving up as configured"),
            std::string::npos);

  // The hook's exit is reaped and nothing restarts.
  rig.exits_with(rig.pid("alert"), 0);
  EXPECT_EQ(rig.processes.actions().back(), "reap " + std::to_string(rig.pid("alert")));
  rig.advance(1h);
  EXPECT_EQ(rig.processes.spawn_count("worker"), 3);
}

TEST(SupervisionMachine, AStopSendsItsSignalThenSigkillAtTheTimeoutAndDoesNotRestart) {
  Rig rig;
  ServiceSpec web = rig.service("web");
  web.stop.signal = "INT";
  web.stop.timeout = 3s;
  rig.begin({web});
  rig.processes.take_actions();
  const pid_t pid = rig.pid("web");

  EXPECT_EQ(rig.machine->stop("web"), "");
  EXPECT_EQ(rig.processes.take_actions(), (Actions{"signal 1001 INT"}));
  EXPECT_EQ(rig.state("web"), ServiceState::stopping);
  rig.advance(2999ms);
  EXPECT_TRUE(rig.processes.take_actions().empty());
  rig.advance(1ms);
  EXPECT_EQ(rig.processes.take_actions(), (Actions{"signal 1001 KILL"}));

  rig.killed_by(pid, SIGKILL);
  EXPECT_EQ(rig.state("web"), ServiceState::stopped);
  EXPECT_EQ(rig.status("web").last_exit, "killed by SIGKILL");
  rig.advance(1h);
  EXPECT_EQ(rig.processes.spawn_count("web"), 1);
  EXPECT_EQ(rig.machine->stop("nope"), "unknown service \"nope\"");
}

TEST(SupervisionMachine, LivenessFailuresInARowRestartTheService) {
  Rig rig;
  ServiceSpec api = rig.service("api");
  api.liveness = exec_probe(1s, 10s, 2);
  rig.begin({api});
  const pid_t first = rig.pid("api");

  rig.advance(10s);
  ASSERT_EQ(rig.probes.jobs.size(), 1U);
  EXPECT_EQ(rig.probes.jobs.front().role, ProbeRole::liveness);
  rig.answer_probe(false, "timeout");
  rig.advance(10s);
  rig.answer_probe(true);  // a pass resets the count
  rig.advance(10s);
  rig.answer_probe(false, "timeout");
  EXPECT_EQ(rig.state("api"), ServiceState::ready);
  rig.advance(10s);
  rig.processes.take_actions();
  rig.answer_probe(false, "timeout");
  EXPECT_EQ(rig.processes.take_actions(), (Actions{"signal 1001 TERM"}));
  EXPECT_EQ(rig.status("api").evidence.front(), "liveness: timeout");

  rig.exits_with(first, 0);
  EXPECT_EQ(rig.processes.spawn_count("api"), 2);
  EXPECT_EQ(rig.status("api").restarts, 1);
}

TEST(SupervisionMachine, RestartPolicyOnFailureLeavesACleanExitAlone) {
  Rig rig;
  ServiceSpec job = rig.service("job");
  job.restart.policy = manifest::RestartPolicy::on_failure;
  ServiceSpec once = rig.service("once");
  once.restart.policy = manifest::RestartPolicy::never;
  rig.begin({job, once});

  rig.exits_with(rig.pid("job"), 0);
  EXPECT_EQ(rig.state("job"), ServiceState::exited);
  rig.exits_with(rig.pid("once"), 2);
  EXPECT_EQ(rig.state("once"), ServiceState::exited);
  rig.advance(1h);
  EXPECT_EQ(rig.processes.spawn_count("job"), 1);
  EXPECT_EQ(rig.processes.spawn_count("once"), 1);

  EXPECT_EQ(rig.machine->start("job"), "");
  EXPECT_EQ(rig.processes.spawn_count("job"), 2);
}

TEST(SupervisionMachine, AStartThatCannotSpawnIsACrashWithItsReason) {
  Rig rig;
  rig.processes.fail_next_spawn("no such user: www");
  rig.begin({rig.service("web")});

  EXPECT_EQ(rig.state("web"), ServiceState::backoff);
  EXPECT_EQ(rig.status("web").last_exit, "could not start: no such user: www");
  EXPECT_EQ(rig.journal.kinds("web"), (Actions{"start-failed", "restarting"}));
  rig.advance_to_next_due();
  EXPECT_EQ(rig.state("web"), ServiceState::ready);
}

TEST(SupervisionMachine, AnOverlapUpdateStopsTheOldInstanceOnlyOnceTheNewOneIsReady) {
  Rig rig;
  ServiceSpec v1 = rig.service("api");
  v1.ready = exec_probe(5s, 100ms);
  v1.env["VERSION"] = "1";
  rig.begin({v1});
  rig.make_ready();
  const pid_t old_pid = rig.pid("api");
  rig.processes.take_actions();

  ServiceSpec v2 = v1;
  v2.env["VERSION"] = "2";
  EXPECT_EQ(rig.machine->update(v2, UpdateMode::overlap), "");
  EXPECT_EQ(rig.processes.take_actions(), (Actions{"spawn api", "let-run 1002"}));
  EXPECT_EQ(rig.status("api").leaving, 1);
  EXPECT_EQ(rig.status("api").state, ServiceState::starting);
  EXPECT_TRUE(std::filesystem::exists(rig.layout().run_dir() / "api.leaving-1001.pid"));

  rig.make_ready();
  EXPECT_EQ(rig.processes.take_actions(), (Actions{"signal 1001 TERM"}));
  EXPECT_EQ(rig.status("api").leaving_stopping, 1);
  rig.exits_with(old_pid, 0);
  EXPECT_EQ(rig.status("api").leaving, 0);
  EXPECT_EQ(rig.state("api"), ServiceState::ready);  // the old one's exit is no crash
  EXPECT_FALSE(std::filesystem::exists(rig.layout().run_dir() / "api.leaving-1001.pid"));
  EXPECT_EQ(rig.journal.last("api", "stopped"), "old instance, pid 1001: exited with code 0");
}

ServiceSpec listening(const Rig& rig) {
  ServiceSpec spec = rig.service("api");
  spec.ready = exec_probe(5s, 100ms);
  spec.listen = manifest::ListenSpec{};
  spec.listen->port = 8000;
  spec.listen->name = "http";
  spec.listen->drain_timeout = 2s;
  return spec;
}

std::vector<int> fd_of(unsigned long socket) {
  return {static_cast<int>(socket)};
}

// v1 of a listen: service ready, then a hand-over to v2 begun.
struct HandOver {
  ServiceSpec v1;
  pid_t first = -1;
  unsigned long first_socket = 0;
};

HandOver begin_hand_over(Rig& rig) {
  HandOver handover{listening(rig)};
  rig.begin({handover.v1});
  rig.make_ready();
  handover.first = rig.pid("api");
  handover.first_socket = rig.sockets.current("api");
  ServiceSpec v2 = handover.v1;
  v2.env["VERSION"] = "2";
  rig.machine->update(v2, UpdateMode::overlap);
  return handover;
}

// listen: the agent's socket goes to the first instance as fd 3, and to a restart after a
// crash, its queue kept; a hand-over gives the new instance a socket of its own, which new
// connections reach once it is ready; the old instance is stopped only when its queue is
// accepted and its connections closed, and its socket is then let go.
TEST(SupervisionMachine, AHandOverSteersToTheNewInstancesOwnSocketThenDrainsTheOldOne) {
  Rig rig;
  ServiceSpec v1 = listening(rig);
  rig.begin({v1});
  rig.make_ready();
  const pid_t first = rig.pid("api");
  const unsigned long first_socket = rig.sockets.current("api");
  EXPECT_EQ(rig.processes.request_of(first).listen_fds, fd_of(first_socket));
  EXPECT_EQ(rig.processes.request_of(first).listen_names, std::vector<std::string>{"http"});

  ServiceSpec v2 = v1;
  v2.env["VERSION"] = "2";
  EXPECT_EQ(rig.machine->update(v2, UpdateMode::overlap), "");
  const pid_t second = rig.pid("api");
  ASSERT_EQ(rig.processes.request_of(second).listen_fds.size(), 1U);
  const unsigned long second_socket =
      static_cast<unsigned long>(rig.processes.request_of(second).listen_fds[0]);
  EXPECT_NE(second_socket, first_socket);
  EXPECT_EQ(rig.sockets.binds,
            (std::vector<std::string>{"api 127.0.0.1:8000", "api 127.0.0.1:8000 beside"}));
  EXPECT_TRUE(rig.sockets.steers.empty());  // the old instance takes every new connection

  rig.sockets.waiting[first_socket] = 1;
  rig.sockets.open[first] = 2;
  rig.processes.take_actions();
  rig.make_ready();
  EXPECT_EQ(rig.sockets.steers, std::vector<std::string>{"api " + std::to_string(second_socket)});
  EXPECT_EQ(rig.status("api").leaving_stopping, 0);
  rig.advance(100ms);
  rig.advance(100ms);
  EXPECT_EQ(rig.status("api").leaving_stopping, 0) << "stopped with a connection in its queue";
  rig.sockets.waiting[first_socket] = 0;
  rig.advance(100ms);
  EXPECT_EQ(rig.status("api").leaving_stopping, 0) << "stopped with connections open";
  rig.sockets.open[first] = 0;
  rig.advance(100ms);
  EXPECT_EQ(rig.processes.take_actions(), (Actions{"signal " + std::to_string(first) + " TERM"}));
  EXPECT_EQ(rig.journal.last("api", "stopping"),
            "drained: new connections go to the new instance: SIGTERM to the old instance, pid " +
                std::to_string(first));
  EXPECT_TRUE(rig.sockets.let_gos.empty());
  rig.exits_with(first, 0);
  EXPECT_EQ(rig.sockets.let_gos, std::vector<std::string>{"api " + std::to_string(first_socket)});

  // A crash restarts the instance on its own socket, the connections queued there kept.
  rig.killed_by(second, SIGKILL);
  rig.advance_to_next_due();
  EXPECT_NE(rig.pid("api"), second);
  EXPECT_EQ(rig.processes.request_of(rig.pid("api")).listen_fds, fd_of(second_socket));
  EXPECT_EQ(rig.sockets.binds.size(), 2U);

  // A new address is a new socket; retiring the service releases them.
  rig.make_ready();
  ServiceSpec v3 = v2;
  v3.listen->port = 8001;
  const pid_t third = rig.pid("api");
  EXPECT_EQ(rig.machine->update(v3, UpdateMode::restart), "");
  rig.exits_with(third, 0);
  rig.advance_to_next_due();
  EXPECT_EQ(rig.sockets.binds.back(), "api 127.0.0.1:8001");
  EXPECT_EQ(rig.processes.request_of(rig.pid("api")).listen_fds, fd_of(rig.sockets.current("api")));
  EXPECT_EQ(rig.machine->retire("api"), "");
  EXPECT_EQ(rig.sockets.releases, std::vector<std::string>{"api"});
}

// An old instance that keeps connections open (keep-alive clients) is stopped at the drain
// timeout; one whose socket cannot be steered away from is stopped once the new one is ready.
TEST(SupervisionMachine, AHandOverDrainsForAtMostItsTimeoutAndWithoutSteeringStopsAtReady) {
  for (const bool steerable : {true, false}) {
    Rig rig;
    if (!steerable) {
      rig.sockets.refuse_steering = "SO_ATTACH_REUSEPORT_CBPF: Operation not permitted";
    }
    const pid_t first = begin_hand_over(rig).first;
    rig.sockets.open[first] = 5;
    rig.processes.take_actions();
    rig.make_ready();
    if (!steerable) {
      EXPECT_EQ(rig.processes.take_actions(),
                (Actions{"signal " + std::to_string(first) + " TERM"}));
      EXPECT_EQ(
          rig.journal.last("api", "socket"),
          "new connections could not be steered to the new instance "
          "(SO_ATTACH_REUSEPORT_CBPF: Operation not permitted): the old one is stopped at once");
      continue;
    }
    rig.advance(1900ms);
    EXPECT_EQ(rig.status("api").leaving_stopping, 0);
    rig.advance(100ms);
    EXPECT_EQ(rig.status("api").leaving_stopping, 1);
    EXPECT_EQ(rig.journal.last("api", "stopping"),
              "still 5 connection(s) at the drain timeout (2s): SIGTERM to the old instance, pid " +
                  std::to_string(first));
  }
}

// Where the new instance cannot have a socket of its own (an older agent's socket without
// SO_REUSEPORT, say), it shares the old one's, as the journal says; the old one is stopped at
// ready and the shared socket is not let go when it exits.
TEST(SupervisionMachine, AHandOverThatMustShareTheSocketSaysSoAndKeepsIt) {
  Rig rig;
  rig.sockets.share_because = "the socket was bound without SO_REUSEPORT (by an older agent)";
  const auto [v1, first, socket] = begin_hand_over(rig);
  EXPECT_EQ(rig.processes.request_of(rig.pid("api")).listen_fds, fd_of(socket));
  EXPECT_EQ(rig.journal.last("api", "socket"),
            "the new instance shares the old one's socket (the socket was bound without "
            "SO_REUSEPORT (by an older agent)): the old one may drop a connection it accepts as "
            "it gets its stop signal");
  rig.processes.take_actions();
  rig.make_ready();
  EXPECT_EQ(rig.processes.take_actions(), (Actions{"signal " + std::to_string(first) + " TERM"}));
  EXPECT_TRUE(rig.sockets.steers.empty());
  rig.exits_with(first, 0);
  EXPECT_TRUE(rig.sockets.let_gos.empty());
}

// A replacement that never became ready, then a rollback: the old instance is the service
// again, the replacement's own socket is let go, and new connections are steered back.
TEST(SupervisionMachine, AFailedHandOverLetsTheReplacementsSocketGo) {
  Rig rig;
  const auto [v1, first, first_socket] = begin_hand_over(rig);
  const unsigned long second_socket =
      static_cast<unsigned long>(rig.processes.request_of(rig.pid("api")).listen_fds[0]);
  rig.advance_to_next_due();
  rig.answer_probe(false, "not yet");
  EXPECT_EQ(rig.machine->update(v1, UpdateMode::overlap), "");
  EXPECT_EQ(rig.status("api").pid, first);
  EXPECT_EQ(rig.sockets.let_gos, std::vector<std::string>{"api " + std::to_string(second_socket)});
  EXPECT_EQ(rig.sockets.steers, std::vector<std::string>{"api " + std::to_string(first_socket)});
  // Its next restart gets its own socket back.
  rig.make_ready();
  rig.killed_by(first, SIGKILL);
  rig.advance_to_next_due();
  EXPECT_EQ(rig.processes.request_of(rig.pid("api")).listen_fds, fd_of(first_socket));
}

// After an agent restart the socket is taken back from the adopted instance; when that is
// refused, the journal says what the next start does.
TEST(SupervisionMachine, AnAdoptedInstanceGivesItsSocketBackOrTheJournalSaysWhy) {
  for (const bool refused : {false, true}) {
    Rig rig;
    rig.sockets.refuse_recovery = refused;
    rig.layout().create();
    save_record(rig.layout().run_dir() / "api.pid", {4242, 777, 0, 1'700'000'000'000});
    rig.processes.leave_running(4242, 777);
    ServiceSpec api = rig.service("api");
    api.listen = manifest::ListenSpec{};
    api.listen->port = 8000;
    rig.begin({api});
    EXPECT_EQ(rig.sockets.recoveries, std::vector<std::string>{"api from 4242"});
    EXPECT_EQ(rig.journal.last("api", "socket"),
              refused ? "could not take the listening socket 127.0.0.1:8000 back (pidfd_getfd on "
                        "pid 4242: Operation not permitted): the next start binds it anew, once "
                        "pid 4242 has let go of it"
                      : "took the listening socket 127.0.0.1:8000 back from pid 4242");
  }
}

ServiceSpec proxied(const Rig& rig) {
  ServiceSpec spec = rig.service("web");
  spec.argv = {"web", "--port", "${port}"};
  spec.ready = exec_probe(5s, 100ms);
  ProxyPlan plan;
  plan.first_port = 3100;
  plan.last_port = 3102;
  plan.name = "shop_web";
  plan.drain_timeout = 10s;
  spec.proxy = plan;
  spec.deploy = manifest::DeployMode::proxy;
  return spec;
}

// deploy: proxy: an instance on a free port of the range, ${port} in its command; the upstream
// follows it once it is ready; the old instance is stopped only when its connections drained.
TEST(SupervisionMachine, AProxiedServiceMovesTheUpstreamThenDrainsTheOldInstance) {
  Rig rig;
  rig.proxy.busy = {3100};
  ServiceSpec v1 = proxied(rig);
  rig.begin({v1});
  const pid_t first = rig.pid("web");
  EXPECT_EQ(rig.processes.request_of(first).argv,
            (std::vector<std::string>{"web", "--port", "3101"}));
  rig.make_ready();
  EXPECT_EQ(rig.proxy.switches, std::vector<std::string>{"3101"});  // nothing to reload for yet
  EXPECT_EQ(rig.status("web").port, 3101);
  rig.processes.take_actions();

  ServiceSpec v2 = v1;
  v2.env["VERSION"] = "2";
  rig.machine->update(v2, UpdateMode::overlap);
  const pid_t second = rig.pid("web");
  EXPECT_EQ(rig.processes.request_of(second).argv,
            (std::vector<std::string>{"web", "--port", "3102"}));
  rig.processes.take_actions();
  rig.proxy.connections[3101] = 2;  // two requests still with the old instance
  rig.make_ready();
  EXPECT_EQ(rig.proxy.switches, (std::vector<std::string>{"3101", "3102 (reload)"}));
  EXPECT_EQ(rig.processes.take_actions(), Actions{});
  rig.advance(200ms);
  EXPECT_EQ(rig.processes.take_actions(), Actions{});
  rig.proxy.connections[3101] = 0;
  rig.proxy.settled = false;  // nginx's old workers, still proxying to the old instance
  rig.advance(200ms);
  EXPECT_EQ(rig.processes.take_actions(), Actions{});
  rig.proxy.settled = true;
  rig.advance(200ms);
  EXPECT_EQ(rig.processes.take_actions(), (Actions{"signal " + std::to_string(first) + " TERM"}));
  EXPECT_EQ(rig.journal.last("web", "stopping").substr(0, 7), "drained");
}

// A switch nginx refuses (nginx -t failed): the new instance goes, marked failed, and the old
// one is never told to stop.
TEST(SupervisionMachine, ARefusedUpstreamSwitchKeepsTheOldInstanceServing) {
  Rig rig;
  ServiceSpec v1 = proxied(rig);
  rig.begin({v1});
  const pid_t first = rig.pid("web");
  rig.make_ready();
  rig.processes.take_actions();
  ServiceSpec v2 = v1;
  v2.env["VERSION"] = "2";
  rig.machine->update(v2, UpdateMode::overlap);
  const pid_t second = rig.pid("web");
  rig.proxy.refuse_switch = true;
  rig.make_ready();
  EXPECT_EQ(rig.processes.take_actions(), (Actions{"spawn web", "let-run " + std::to_string(second),
                                                   "signal " + std::to_string(second) + " TERM"}));
  rig.exits_with(second, 0);
  EXPECT_EQ(rig.state("web"), ServiceState::failed);
  EXPECT_EQ(rig.status("web").last_exit,
            "nginx did not take the new instance: nginx -t exited with code 1: host not found in "
            "upstream");
  EXPECT_EQ(rig.status("web").leaving, 1);
  EXPECT_EQ(rig.proxy.upstream, 3100);
  rig.advance(1s);
  const Actions after = rig.processes.take_actions();
  EXPECT_EQ(std::count(after.begin(), after.end(), "signal " + std::to_string(first) + " TERM"), 0);
}

TEST(SupervisionMachine, ARollbackDuringAFailedOverlapReinstatesTheOldInstance) {
  Rig rig;
  ServiceSpec v1 = rig.service("api");
  v1.ready = exec_probe(1s, 100ms);
  v1.env["VERSION"] = "1";
  rig.layout().create();
  std::ofstream(v1.log_path) << "lines of earlier instances\n";  // 27 bytes
  rig.begin({v1});
  rig.make_ready();
  const pid_t old_pid = rig.pid("api");

  ServiceSpec v2 = v1;
  v2.env["VERSION"] = "2";
  rig.machine->update(v2, UpdateMode::overlap);
  const pid_t new_pid = rig.pid("api");
  std::ofstream(v1.log_path) << "the new instance's traceback\n";
  rig.advance_to_next_due();
  rig.answer_probe(false, "address in use");
  rig.processes.take_actions();

  EXPECT_EQ(rig.machine->update(v1, UpdateMode::overlap), "");
  EXPECT_EQ(rig.processes.take_actions(), (Actions{"signal " + std::to_string(new_pid) + " KILL",
                                                   "reap " + std::to_string(new_pid)}));
  const ServiceStatus status = rig.status("api");
  EXPECT_EQ(status.pid, old_pid);
  EXPECT_EQ(status.leaving, 0);
  EXPECT_EQ(rig.processes.spawn_count("api"), 2);
  EXPECT_TRUE(rig.exits.watched.contains(rig.processes.pidfd_of(old_pid)));
  // Its readiness reads its own log from where its own lines began (a log check passes on
  // the line it printed at its start).
  rig.advance_to_next_due();
  ASSERT_FALSE(rig.probes.jobs.empty());
  EXPECT_EQ(rig.probes.jobs.back().context.log_offset, 27U);
  rig.answer_probe(true, "ok");
  EXPECT_EQ(rig.state("api"), ServiceState::ready);
  EXPECT_EQ(rig.machine->restart("api"), "");  // it is the supervised instance again
  EXPECT_EQ(rig.processes.take_actions(), (Actions{"signal 1001 TERM"}));
}

TEST(SupervisionMachine, StopAllStopsDependentsBeforeWhatTheyDependOn) {
  Rig rig;
  ServiceSpec web = rig.service("web");
  web.depends_on = {"db"};
  rig.begin({rig.service("db"), web});
  rig.processes.take_actions();

  rig.machine->stop_all();
  EXPECT_EQ(rig.processes.take_actions(), (Actions{"signal 1002 TERM"}));
  EXPECT_FALSE(rig.machine->finished());
  rig.exits_with(rig.pid("web"), 0);
  EXPECT_EQ(rig.processes.take_actions(),
            (Actions{"signal 1002 KILL", "reap 1002", "signal 1001 TERM"}));
  rig.exits_with(rig.pid("db"), 0);
  EXPECT_TRUE(rig.machine->finished());
  EXPECT_EQ(rig.processes.spawn_count("web"), 1);
}

TEST(SupervisionMachine, AdoptsARecordedSurvivorAndStartsTheOneWhoseProcessIsGone) {
  Rig rig;
  rig.layout().create();
  save_record(rig.layout().run_dir() / "redis.pid", {4242, 777, 0, 1'700'000'000'000});
  save_record(rig.layout().run_dir() / "web.pid", {4343, 888, 0, 1'700'000'000'000});
  rig.processes.leave_running(4242, 777);  // 4343 is gone (or its pid was reused)
  rig.begin({rig.service("redis"), rig.service("web")});

  EXPECT_EQ(rig.processes.take_actions(),
            (Actions{"adopt 4242", "adopt-gone 4343", "spawn web", "let-run 1001"}));
  const ServiceStatus redis = rig.status("redis");
  EXPECT_TRUE(redis.adopted);
  EXPECT_EQ(redis.pid, 4242);
  EXPECT_EQ(redis.state, ServiceState::ready);
  EXPECT_EQ(rig.journal.last("web", "not-adopted"), "pid 4343 is gone");

  // Only a parent learns an exit status; an adopted process's group is not killed on exit.
  rig.machine->process_exited(rig.processes.pidfd_of(4242));
  EXPECT_EQ(rig.processes.take_actions(), (Actions{"reap 4242"}));
  EXPECT_EQ(rig.status("redis").last_exit, "exited (status unknown: adopted process)");
}

// A survivor adopted ready at once (no ready probe) makes its dependents eligible: they must
// be adopted too, not started a second time beside their own survivor.
TEST(SupervisionMachine, AdoptsEverySurvivorBeforeStartingAnything) {
  Rig rig;
  rig.layout().create();
  save_record(rig.layout().run_dir() / "redis.pid", {4242, 777, 0, 1'700'000'000'000});
  save_record(rig.layout().run_dir() / "web.pid", {4343, 888, 0, 1'700'000'000'000});
  rig.processes.leave_running(4242, 777);
  rig.processes.leave_running(4343, 888);
  ServiceSpec web = rig.service("web");
  web.depends_on = {"redis"};
  rig.begin({rig.service("redis"), web});

  EXPECT_EQ(rig.processes.take_actions(), (Actions{"adopt 4242", "adopt 4343"}));
  EXPECT_EQ(rig.status("web").pid, 4343);
  EXPECT_EQ(rig.state("web"), ServiceState::ready);
  EXPECT_EQ(rig.processes.spawn_count("web"), 0);
}

TEST(SupervisionMachine, AProbeAnswerForAnInstanceThatIsGoneIsIgnored) {
  Rig rig;
  ServiceSpec api = rig.service("api");
  api.ready = exec_probe(5s, 100ms);
  rig.begin({api});
  rig.advance_to_next_due();
  ASSERT_EQ(rig.probes.jobs.size(), 1U);
  const ProbeJob stale = rig.probes.jobs.front();
  rig.probes.jobs.clear();

  rig.exits_with(rig.pid("api"), 1);
  rig.advance_to_next_due();  // the restart
  ASSERT_EQ(rig.processes.spawn_count("api"), 2);
  ProbeOutcome late{stale.service, stale.generation, stale.role, {}};
  late.result.status = checks::Status::pass;
  rig.machine->probe_finished(late);
  EXPECT_EQ(rig.state("api"), ServiceState::starting);
}

TEST(SupervisionMachine, RetireStopsTheServiceAndHidesIt) {
  Rig rig;
  rig.begin({rig.service("old"), rig.service("web")});
  rig.processes.take_actions();
  EXPECT_EQ(rig.machine->retire("old"), "");
  EXPECT_EQ(rig.processes.take_actions(), (Actions{"signal 1001 TERM"}));
  rig.exits_with(1001, 0);
  const auto statuses = rig.machine->statuses();
  ASSERT_EQ(statuses.size(), 1U);
  EXPECT_EQ(statuses.front().name, "web");
  EXPECT_EQ(rig.machine->start("old"), "unknown service \"old\"");
}

}  // namespace
}  // namespace bosun::agent
