#pragma once
// Test support: a loopback fleet of real sshd instances, one per 127.0.0.x address (each with
// its own generated host key), accepting one generated user key, plus a known_hosts file the
// test controls. Every sshd is started and stopped by pid.

#include <memory>
#include <string>
#include <vector>

#include "child_process.hpp"

namespace bosun::test {

class SshFleet {
 public:
  // `extra_config`: sshd_config lines added to every host's (e.g. "DisableForwarding yes\n").
  // SFTP is sshd's internal-sftp unless `extra_config` has a Subsystem line of its own.
  explicit SshFleet(int count, const std::string& extra_config = "");
  ~SshFleet();

  std::size_t size() const { return m_hosts.size(); }
  const std::string& address(std::size_t i) const { return m_hosts[i].address; }
  unsigned short port(std::size_t i) const { return m_hosts[i].port; }
  // "user@127.0.0.2:2222", as a stage lists it.
  std::string entry(std::size_t i) const;
  const std::string& identity() const { return m_identity; }
  const std::string& known_hosts() const { return m_known_hosts; }
  const std::string& dir() const { return m_dir.path(); }

  // known_hosts lines with every host's real key.
  void trust_all() const;
  // A known_hosts entry for host `i` with a key it does not have (a "changed" key).
  void trust_wrong_key(std::size_t i) const;
  void stop(std::size_t i);
  // The host's sshd dies: its listener and every session it forked (its descendants) are
  // SIGKILLed, so open connections drop as they would when the machine's sshd crashes.
  void kill(std::size_t i);
  void start(std::size_t i);

 private:
  struct Host {
    std::string address;
    unsigned short port = 0;
    std::string config;
    std::string host_key;
    std::unique_ptr<ChildProcess> sshd;
  };

  TempDir m_dir;
  std::string m_user;
  std::string m_identity;
  std::string m_known_hosts;
  std::vector<Host> m_hosts;
};

}  // namespace bosun::test
