#include "docker_engine.hpp"

#include <signal.h>
#include <sys/mount.h>

#include <filesystem>

namespace bosun::test {
namespace {

namespace fs = std::filesystem;

constexpr const char* k_dockerd = "/usr/sbin/dockerd";
constexpr const char* k_busybox = "/bin/busybox";

}  // namespace

DockerEngine::DockerEngine() : m_socket(m_dir.path() + "/docker.sock") {
  if (!fs::exists(k_dockerd)) {
    m_why = std::string(k_dockerd) + " is not installed (apt-get install docker.io)";
    return;
  }
  if (!fs::exists(k_busybox)) {
    m_why = "no static busybox for the base image (apt-get install busybox-static)";
    return;
  }
  const std::string d = m_dir.path();
  m_daemon = std::make_unique<ChildProcess>(ProcessOptions{
      {k_dockerd, "--data-root", d + "/data", "--exec-root", d + "/exec", "--pidfile",
       d + "/dockerd.pid", "-H", "unix://" + m_socket, "--bridge=none", "--iptables=false",
       "--ip6tables=false", "--storage-driver=vfs", "--userland-proxy=false"},
      {},
      d,
      d + "/dockerd.log"});
  // Starting takes a few seconds on a busy machine: up to a minute while it still runs.
  const bool up = wait_until([&] { return !m_daemon->running() || docker({"version"}).first == 0; },
                             std::chrono::milliseconds(60'000));
  if (!up || !m_daemon->running()) {
    m_why = "dockerd did not start: " +
            m_daemon->output().substr(
                m_daemon->output().size() > 2000 ? m_daemon->output().size() - 2000 : 0);
    return;
  }
  import_base_image();
}

DockerEngine::~DockerEngine() {
  if (m_daemon && m_daemon->running()) {
    // Whatever a test left running goes first, then the daemon, by its pid.
    const auto [code, ids] = docker({"ps", "-aq"});
    if (code == 0 && !ids.empty()) {
      std::vector<std::string> remove{"rm", "-f"};
      std::size_t at = 0;
      while (at < ids.size()) {
        const std::size_t end = std::min(ids.find('\n', at), ids.size());
        if (end > at) {
          remove.push_back(ids.substr(at, end - at));
        }
        at = end + 1;
      }
      docker(remove);
    }
    m_daemon->signal(SIGTERM);
    if (!m_daemon->wait(std::chrono::milliseconds(20'000))) {
      m_daemon->signal(SIGKILL);
      m_daemon->wait(std::chrono::milliseconds(5000));
    }
  }
  // dockerd leaves its default network namespace bind-mounted in the exec root: without this
  // the folder could not be removed, and every test would leave a mount behind.
  std::error_code error;
  for (const auto& entry :
       fs::directory_iterator(fs::path(m_dir.path()) / "exec" / "netns", error)) {
    ::umount2(entry.path().c_str(), MNT_DETACH);
  }
}

std::pair<int, std::string> DockerEngine::docker(const std::vector<std::string>& args) const {
  std::vector<std::string> argv{"env", "DOCKER_HOST=" + host(), "docker"};
  argv.insert(argv.end(), args.begin(), args.end());
  return run_tool(argv, m_dir.path());
}

void DockerEngine::import_base_image() {
  const fs::path rootfs = fs::path(m_dir.path()) / "rootfs";
  fs::create_directories(rootfs / "bin");
  fs::create_directories(rootfs / "tmp");
  fs::copy_file(k_busybox, rootfs / "bin/busybox");
  for (const char* applet : {"sh", "httpd", "sleep", "cat", "echo", "kill", "ls", "id", "env",
                             "wget", "true", "false", "test", "mkdir", "date", "printf"}) {
    fs::create_symlink("busybox", rootfs / "bin" / applet);
  }
  const std::string tarball = m_dir.path() + "/busybox.tar";
  const auto [packed, packing] =
      run_tool({"tar", "-C", rootfs.string(), "-cf", tarball, "."}, m_dir.path());
  if (packed != 0) {
    m_why = "cannot pack the base image: " + packing;
    return;
  }
  const auto [imported, output] =
      docker({"import", "--change", "CMD [\"/bin/sh\"]", tarball, k_base_image});
  if (imported != 0) {
    m_why = "cannot import the base image: " + output;
  }
}

}  // namespace bosun::test
