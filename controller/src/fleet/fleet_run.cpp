#include "fleet/fleet_run.hpp"

#include <algorithm>
#include <future>
#include <mutex>

#include "bosun/common/run_protocol.hpp"
#include "bosun/common/text.hpp"
#include "fleet/fleet_plan.hpp"
#include "host/release_list.hpp"

namespace bosun::controller::fleet {
namespace {

using std::chrono::milliseconds;
using Clock = std::chrono::steady_clock;

constexpr milliseconds k_quick{60'000};

// Runs `work(i)` for every index at once, one thread each, and waits for all.
void in_parallel(const std::vector<std::size_t>& indexes,
                 const std::function<void(std::size_t)>& work) {
  std::vector<std::future<void>> running;
  for (const std::size_t index : indexes) {
    running.push_back(std::async(std::launch::async, [&work, index] { work(index); }));
  }
  for (auto& task : running) {
    task.get();
  }
}

std::vector<std::size_t> all_of(std::size_t count) {
  std::vector<std::size_t> indexes(count);
  for (std::size_t i = 0; i < count; ++i) {
    indexes[i] = i;
  }
  return indexes;
}

// The live release and its commit, from `bosun-agent releases --json`.
void read_live(const std::string& json, HostOutcome& outcome) {
  try {
    for (const host::ReleaseEntry& release : host::parse_release_list(json)) {
      if (release.current) {
        outcome.from_commit = release.commit;
        outcome.from_release = release.id;
      }
    }
  } catch (const std::exception&) {
    // an agent that prints something else: no "from" to show
  }
}

// Connects and reads the live release; false (with the outcome filled) when the host cannot
// be used.
bool probe(host::HostSession& host, HostOutcome& outcome) {
  if (std::string why = host.try_connect(); !why.empty()) {
    outcome.result = HostResult::unreachable;
    outcome.reason = std::move(why);
    return false;
  }
  const transport::RemoteResult releases = host.agent_capture("releases", {"--json"}, k_quick);
  if (releases.exit_code != 0) {
    outcome.result = HostResult::unreachable;
    const std::string why(
        trim(releases.error.empty() ? releases.output : releases.error + " " + releases.output));
    outcome.reason =
        "bosun-agent did not answer on " + host.name() +
        (why.find("bosun setup") == std::string::npos ? " (run `bosun setup` first?)" : "") + ": " +
        why;
    return false;
  }
  const std::size_t json = releases.output.find('{');
  read_live(json == std::string::npos ? "" : releases.output.substr(json), outcome);
  return true;
}

// Before any change: the host reachable, its live release read and its lock taken, in its
// agent session (which then waits for the host's batch). True when the host is ready for its
// batch; otherwise the outcome says why (unreachable, locked).
bool lock_and_probe(host::HostSession& host, const std::string& who, const std::string& what,
                    milliseconds wait, HostOutcome& outcome) {
  if (!probe(host, outcome)) {
    return false;
  }
  std::vector<std::string> lock_args{"--holder", who, "-m", what + " (bosun)", "--ttl", "10m"};
  if (wait.count() > 0) {
    lock_args.insert(lock_args.end(), {"--wait", std::to_string(wait.count()) + "ms"});
  }
  const transport::RemoteResult result =
      host.agent_capture("lock acquire", lock_args, k_quick + wait);
  if (result.exit_code == 0) {
    return true;
  }
  outcome.reason = std::string(trim(result.error.empty() ? result.output : result.error));
  outcome.result = result.exit_code == 1 ? HostResult::locked : HostResult::unreachable;
  return false;
}

// Gives the host's lock back and ends its agent session.
void give_back(host::HostSession& host, const std::string& who) {
  host.agent_capture("lock release", {"--holder", who}, k_quick);
  host.end_agent_session();
}

void unlock_all(std::vector<host::HostSession>& hosts, const std::string& who) {
  in_parallel(all_of(hosts.size()), [&](std::size_t i) { give_back(hosts[i], who); });
}

// Runs a deploy or rollback on one host, following its events.
void run_on_host(host::HostSession& host, const std::string& subcommand,
                 const std::vector<std::string>& args, const FleetProgress& progress,
                 HostOutcome& outcome, milliseconds timeout) {
  const auto started = Clock::now();
  host::AgentEvent finished;
  const transport::RemoteResult result = host.agent_run(
      subcommand, args, [&](const host::AgentEvent& event) { progress(host.name(), event); },
      finished, timeout);
  outcome.took = std::chrono::duration_cast<milliseconds>(Clock::now() - started);
  const std::optional<RunResult> ended = parse_run_result(finished.outcome);
  if (finished.type == RunEventType::run_finished && ended) {  // the run reported its end
    outcome.result = host_result_of(*ended);
    outcome.reason = finished.message;
    outcome.evidence = finished.evidence;
    outcome.restored_backup = finished.restored_backup;
  } else {
    // The connection broke or the agent refused before a run began.
    outcome.result = HostResult::failed;
    outcome.reason = !result.error.empty() ? result.error +
                                                 " (the agent goes on with the run by itself: see "
                                                 "`bosun status` and `bosun history`)"
                                           : result.output;
  }
  outcome.reason = std::string(trim(outcome.reason));
}

std::string count_line(const std::vector<HostOutcome>& outcomes, HostResult result) {
  std::size_t count = 0;
  for (const HostOutcome& outcome : outcomes) {
    count += outcome.result == result ? 1U : 0U;
  }
  return std::to_string(count) + " " + std::string(to_string(result));
}

}  // namespace

FleetOutcome deploy_fleet(std::vector<host::HostSession>& hosts, const DeployPlan& plan,
                          const FleetProgress& progress, const std::atomic<bool>& interrupted) {
  FleetOutcome fleet;
  fleet.hosts.resize(hosts.size());
  for (std::size_t i = 0; i < hosts.size(); ++i) {
    fleet.hosts[i].host = hosts[i].name();
    fleet.hosts[i].to_commit = plan.commit;
  }
  // 1. Every host reachable and locked, before any change.
  const std::string what = "deploy " + plan.commit.substr(0, 12);
  std::vector<char> ready(hosts.size(), 0);
  in_parallel(all_of(hosts.size()), [&](std::size_t i) {
    ready[i] = lock_and_probe(hosts[i], plan.who, what, plan.lock_wait, fleet.hosts[i]) ? 1 : 0;
  });
  if (std::find(ready.begin(), ready.end(), 0) != ready.end()) {
    in_parallel(all_of(hosts.size()), [&](std::size_t i) {
      if (ready[i] != 0) {
        give_back(hosts[i], plan.who);
        fleet.hosts[i].result = HostResult::skipped;
        fleet.hosts[i].reason = "another host is locked or unreachable: nothing was changed";
      }
    });
    const auto locked = std::find_if(fleet.hosts.begin(), fleet.hosts.end(),
                                     [](const auto& h) { return h.result == HostResult::locked; });
    if (locked != fleet.hosts.end()) {
      fleet.summary = "locked: " + locked->host + ": " + locked->reason;
    } else {
      fleet.summary =
          "stopped before any change: " + count_line(fleet.hosts, HostResult::unreachable);
    }
    return fleet;
  }
  // 3. Batches.
  std::vector<std::string> args{"--commit", plan.commit, "--who", plan.who, "--json"};
  if (!plan.repo.empty()) {
    args.insert(args.end(), {"--repo", plan.repo});
  }
  if (!plan.manifest_in_repo.empty()) {
    args.insert(args.end(), {"--manifest", plan.manifest_in_repo});
  }
  std::size_t failed = 0;
  bool stopped = false;
  std::vector<std::size_t> deployed;
  for (const Batch& batch : plan_batches(hosts.size(), plan.strategy)) {
    if (stopped || interrupted) {
      for (const std::size_t i : batch.hosts) {
        fleet.hosts[i].result = HostResult::skipped;
        fleet.hosts[i].reason = interrupted ? "interrupted (Ctrl-C) before its turn"
                                            : "not started: the stage stopped after failures";
      }
      continue;
    }
    in_parallel(batch.hosts, [&](std::size_t i) {
      run_on_host(hosts[i], "deploy", args, progress, fleet.hosts[i], plan.host_timeout);
    });
    for (const std::size_t i : batch.hosts) {
      if (fleet.hosts[i].result == HostResult::succeeded) {
        deployed.push_back(i);
      } else {
        ++failed;
      }
    }
    if (over_failure_budget(failed, plan.strategy) || (batch.canary && failed > 0)) {
      stopped = true;
    }
  }
  // 4. One version across the stage: undo the hosts that took the new release.
  if (stopped && plan.strategy.rollback_all && !deployed.empty()) {
    in_parallel(deployed, [&](std::size_t i) {
      HostOutcome undo;
      std::vector<std::string> back{"--who", plan.who, "--json"};
      if (!fleet.hosts[i].from_release.empty()) {
        back.insert(back.end(), {"--to", fleet.hosts[i].from_release});
      }
      run_on_host(hosts[i], "rollback", back, progress, undo, plan.host_timeout);
      const bool reverted = undo.result == HostResult::succeeded;
      fleet.hosts[i].result = reverted ? HostResult::reverted : HostResult::failed;
      fleet.hosts[i].reason = reverted ? "deployed, then rolled back with the stage: " + undo.reason
                                       : "the stage's rollback failed here: " + undo.reason;
    });
  }
  unlock_all(hosts, plan.who);
  fleet.ok = failed == 0 && !stopped && !interrupted;
  fleet.summary = count_line(fleet.hosts, HostResult::succeeded) + ", " + std::to_string(failed) +
                  " failed" + (stopped ? "; the stage stopped" : "") +
                  (interrupted ? "; interrupted" : "");
  return fleet;
}

FleetOutcome rollback_fleet(std::vector<host::HostSession>& hosts, const RollbackPlan& plan,
                            const FleetProgress& progress) {
  FleetOutcome fleet;
  fleet.hosts.resize(hosts.size());
  std::vector<char> usable(hosts.size(), 0);
  in_parallel(all_of(hosts.size()), [&](std::size_t i) {
    fleet.hosts[i].host = hosts[i].name();
    usable[i] = probe(hosts[i], fleet.hosts[i]) ? 1 : 0;
  });
  std::vector<std::size_t> reachable;
  for (std::size_t i = 0; i < hosts.size(); ++i) {
    if (usable[i] != 0) {
      reachable.push_back(i);
    }
  }
  // In an incident the reachable hosts go back at once, each under its own lock.
  std::vector<std::string> args{"--who", plan.who, "--json", "--db", plan.db};
  if (!plan.to.empty()) {
    args.insert(args.end(), {"--to", plan.to});
  }
  if (plan.force) {
    args.emplace_back("--force");
  }
  if (plan.lock_wait.count() > 0) {
    args.insert(args.end(), {"--lock-wait", std::to_string(plan.lock_wait.count()) + "ms"});
  }
  in_parallel(reachable, [&](std::size_t i) {
    run_on_host(hosts[i], "rollback", args, progress, fleet.hosts[i], milliseconds(30 * 60'000));
    HostOutcome after;
    if (probe(hosts[i], after)) {
      fleet.hosts[i].to_commit = after.from_commit;
    }
    hosts[i].end_agent_session();
  });
  std::size_t ok = 0;
  for (const HostOutcome& outcome : fleet.hosts) {
    ok += outcome.result == HostResult::succeeded ? 1U : 0U;
  }
  fleet.ok = ok == hosts.size();
  fleet.summary = std::to_string(ok) + " of " + std::to_string(hosts.size()) + " rolled back";
  return fleet;
}

}  // namespace bosun::controller::fleet
