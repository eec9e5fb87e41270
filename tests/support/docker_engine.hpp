#pragma once
// Test support: a Docker Engine of the test's own (Debian's docker.io): dockerd with its data,
// exec root and socket in a temporary folder, no bridge network and no iptables rules, so that
// containers run with host networking only and nothing leaves loopback. A base image is
// imported from a tarball of a static busybox (no registry): `sh`, `httpd`, `sleep`, `cat` and
// friends. Tests skip with why() where dockerd cannot start. Stopped by pid.

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "child_process.hpp"

namespace bosun::test {

class DockerEngine {
 public:
  DockerEngine();
  ~DockerEngine();
  DockerEngine(const DockerEngine&) = delete;
  DockerEngine& operator=(const DockerEngine&) = delete;

  bool available() const { return m_why.empty(); }
  const std::string& why() const { return m_why; }
  // unix:///.../docker.sock: the DOCKER_HOST for the agent and the CLI.
  std::string host() const { return "unix://" + m_socket; }
  // The docker CLI against this engine: its exit code and output.
  std::pair<int, std::string> docker(const std::vector<std::string>& args) const;

  static constexpr const char* k_base_image = "bosun-test/busybox:1";

 private:
  void import_base_image();

  TempDir m_dir;
  std::string m_socket;
  std::unique_ptr<ChildProcess> m_daemon;
  std::string m_why;
};

}  // namespace bosun::test
