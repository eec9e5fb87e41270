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

}  // namespace bosun::test
