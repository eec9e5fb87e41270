#pragma once
// Test support: recording fakes for the rest of what supervision acts through: the journal,
// the probe queue, the event loop's exit watches and the listening sockets.

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

// Hands out a made-up descriptor per service and address (nothing is bound), and records
// what was asked: binds, recoveries (granted unless `refuse_recovery`), releases.
class RecordingSockets final : public agent::ListenSockets {
 public:
  int acquire(const std::string& service, const manifest::ListenSpec& listen) override {
    auto& held = fds[service];
    if (held.first != listen.address()) {
      held = {listen.address(), next_fd++};
      binds.push_back(service + " " + listen.address());
    }
    return held.second;
  }
  std::string recover(const std::string& service, const manifest::ListenSpec& listen,
                      pid_t pid) override {
    recoveries.push_back(service + " from " + std::to_string(pid));
    if (refuse_recovery) {
      return "pidfd_getfd on pid " + std::to_string(pid) + ": Operation not permitted";
    }
    fds[service] = {listen.address(), next_fd++};
    return "";
  }
  void release(const std::string& service) override {
    fds.erase(service);
    releases.push_back(service);
  }
  std::map<std::string, std::pair<std::string, int>> fds;  // service: (address, fd)
  std::vector<std::string> binds;
  std::vector<std::string> recoveries;
  std::vector<std::string> releases;
  bool refuse_recovery = false;
  int next_fd = 1000;
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
