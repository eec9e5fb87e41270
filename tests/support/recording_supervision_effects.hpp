#pragma once
// Test support: recording fakes for the rest of what supervision acts through: the journal,
// the probe queue, the event loop's exit watches and the listening sockets.

#include <algorithm>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "agent_namespaces.hpp"
#include "state/journal.hpp"
#include "supervise/probe_runner.hpp"
#include "supervise/supervision.hpp"

namespace bosun::test {

struct JournalLine {
  std::string service;
  std::string kind;
  std::string detail;
};

class RecordingJournal final : public agent::JournalWriter {
 public:
  void record(const std::string& service, const std::string& kind,
              const std::string& detail) override {
    lines.push_back({service, kind, detail});
  }
  // The kinds recorded for `service`, in order.
  std::vector<std::string> kinds(const std::string& service) const {
    std::vector<std::string> found;
    for (const JournalLine& line : lines) {
      if (line.service == service) {
        found.push_back(line.kind);
      }
    }
    return found;
  }
  // The detail of the last line of this kind; empty when none.
  std::string last(const std::string& service, const std::string& kind) const {
    for (auto it = lines.rbegin(); it != lines.rend(); ++it) {
      if (it->service == service && it->kind == kind) {
        return it->detail;
      }
    }
    return "";
  }
  std::vector<JournalLine> lines;
};

class RecordingProbes final : public agent::ProbeQueue {
 public:
  void submit(agent::ProbeJob job) override { jobs.push_back(std::move(job)); }
  std::vector<agent::ProbeJob> jobs;
};

class RecordingExitWatch final : public agent::ExitWatch {
 public:
  void watch(int pidfd) override { watched.insert(pidfd); }
  void unwatch(int pidfd) override { watched.erase(pidfd); }
  std::set<int> watched;
};

// Hands out made-up sockets (the descriptor number is the id; nothing is bound) and records
// what was asked: binds, steering, let-gos, recoveries (granted unless `refuse_recovery`),
// releases. A socket of its own beside a running instance unless `share_because` is set;
// queues and connections as the test sets them.
class RecordingSockets final : public agent::ListenSockets {
 public:
  struct Group {
    std::string address;
    std::vector<unsigned long> sockets;
    unsigned long current = 0;
  };
  agent::Listener acquire(const std::string& service, const manifest::ListenSpec& listen,
                          unsigned long own, bool beside_running) override {
    Group& group = groups[service];
    if (group.address != listen.address() || group.sockets.empty()) {
      group = {listen.address(), {next_id}, next_id};
      binds.push_back(service + " " + listen.address());
      return grant(next_id++);
    }
    if (own != 0 && holds(group, own)) {
      return grant(own);
    }
    if (!beside_running) {
      return grant(group.current);
    }
    if (!share_because.empty()) {
      agent::Listener shared = grant(group.current);
      shared.shared_because = share_because;
      return shared;
    }
    group.sockets.push_back(next_id);
    binds.push_back(service + " " + listen.address() + " beside");
    return grant(next_id++);
  }
  std::string steer_to(const std::string& service, unsigned long id) override {
    steers.push_back(service + " " + std::to_string(id));
    if (!refuse_steering.empty()) {
      return refuse_steering;
    }
    groups[service].current = id;
    return "";
  }
  int waiting_connections(const std::string&, unsigned long id) override {
    return waiting.contains(id) ? waiting.at(id) : 0;
  }
  int open_connections(pid_t pid, std::uint16_t) override {
    return open.contains(pid) ? open.at(pid) : 0;
  }
  void let_go(const std::string& service, unsigned long id) override {
    auto& sockets = groups[service].sockets;
    sockets.erase(std::remove(sockets.begin(), sockets.end(), id), sockets.end());
    let_gos.push_back(service + " " + std::to_string(id));
  }
  agent::RecoveredSocket recover(const std::string& service, const manifest::ListenSpec& listen,
                                 pid_t pid) override {
    recoveries.push_back(service + " from " + std::to_string(pid));
    if (refuse_recovery) {
      return {0, "pidfd_getfd on pid " + std::to_string(pid) + ": Operation not permitted"};
    }
    Group& group = groups[service];
    group.address = listen.address();
    group.sockets.push_back(next_id);
    group.current = next_id;
    return {next_id++, ""};
  }
  void release(const std::string& service) override {
    groups.erase(service);
    releases.push_back(service);
  }
  unsigned long current(const std::string& service) const { return groups.at(service).current; }

  std::map<std::string, Group> groups;
  std::vector<std::string> binds;
  std::vector<std::string> steers;
  std::vector<std::string> let_gos;
  std::vector<std::string> recoveries;
  std::vector<std::string> releases;
  std::map<unsigned long, int> waiting;  // by socket
  std::map<pid_t, int> open;             // by instance
  bool refuse_recovery = false;
  std::string share_because;
  std::string refuse_steering;
  unsigned long next_id = 1000;

 private:
  static bool holds(const Group& group, unsigned long id) {
    return std::find(group.sockets.begin(), group.sockets.end(), id) != group.sockets.end();
  }
  static agent::Listener grant(unsigned long id) { return {static_cast<int>(id), id, ""}; }
};

// Ports free unless listed in `busy`; the upstream in memory; switches refused while
// `refuse_switch` is set; open connections per port as the test sets them.
class RecordingProxy final : public agent::ProxyControl {
 public:
  bool port_free(std::uint16_t port) override { return !busy.contains(port); }
  std::uint16_t upstream_port(const agent::ProxyPlan&) override { return upstream; }
  agent::UpstreamSwitch switch_upstream(const agent::ProxyPlan&, std::uint16_t port,
                                        bool must_reload) override {
    switches.push_back(std::to_string(port) + (must_reload ? " (reload)" : ""));
    if (refuse_switch) {
      return {false, "nginx -t exited with code 1: host not found in upstream"};
    }
    upstream = port;
    return {true, "upstream -> " + std::to_string(port)};
  }
  int open_connections(std::uint16_t port) override {
    return connections.contains(port) ? connections.at(port) : 0;
  }
  bool reload_settled(const agent::ProxyPlan&) override { return settled; }
  bool settled = true;
  std::set<std::uint16_t> busy;
  std::uint16_t upstream = 0;
  bool refuse_switch = false;
  std::vector<std::string> switches;
  std::map<std::uint16_t, int> connections;
};

}  // namespace bosun::test
