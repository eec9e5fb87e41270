#include "ssh_fleet.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <pwd.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>

namespace bosun::test {
namespace {

namespace fs = std::filesystem;

// A tool that must succeed (the shared run_tool, which says how it ended).
void run_tool_or_throw(const std::vector<std::string>& argv, const std::string& dir) {
  const auto [code, output] = run_tool(argv, dir);
  if (code != 0) {
    throw std::runtime_error(argv[0] + " failed: " + output);
  }
}

std::string read_file(const std::string& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

bool accepts(const std::string& address, unsigned short port) {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in target{};
  target.sin_family = AF_INET;
  target.sin_port = htons(port);
  ::inet_pton(AF_INET, address.c_str(), &target.sin_addr);
  const bool ok = ::connect(fd, reinterpret_cast<sockaddr*>(&target), sizeof target) == 0;
  ::close(fd);
  return ok;
}

// A port free on `address` a moment ago.
unsigned short free_port_on(const std::string& address) {
  for (int attempt = 0; attempt < 50; ++attempt) {
    const unsigned short port = free_port();
    if (!accepts(address, port)) {
      return port;
    }
  }
  throw std::runtime_error("no free port on " + address);
}

}  // namespace

SshFleet::SshFleet(int count, const std::string& extra_config) {
  const passwd* me = ::getpwuid(::getuid());
  m_user = me != nullptr ? me->pw_name : "root";
  m_identity = m_dir.path() + "/user_key";
  m_known_hosts = m_dir.path() + "/known_hosts";
  std::ofstream(m_known_hosts).close();
  run_tool_or_throw(
      {"ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", "bosun-test", "-f", m_identity},
      m_dir.path());
  fs::copy_file(m_identity + ".pub", m_dir.path() + "/authorized_keys");
  if (::getuid() == 0) {
    fs::create_directories("/run/sshd");  // sshd's privilege separation directory
  }
  for (int i = 0; i < count; ++i) {
    Host host;
    host.address = "127.0.0." + std::to_string(2 + i);
    host.port = free_port_on(host.address);
    host.host_key = m_dir.path() + "/host_key_" + std::to_string(i);
    run_tool_or_throw({"ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", host.host_key},
                      m_dir.path());
    host.config = m_dir.path() + "/sshd_config_" + std::to_string(i);
    std::ofstream(host.config) << "Port " << host.port << "\nListenAddress " << host.address
                               << "\nHostKey " << host.host_key << "\nPidFile " << m_dir.path()
                               << "/sshd_" << i << ".pid\nAuthorizedKeysFile " << m_dir.path()
                               << "/authorized_keys\nStrictModes no\nUsePAM no\n"
                                  "PasswordAuthentication no\nKbdInteractiveAuthentication no\n"
                                  "PubkeyAuthentication yes\nPermitRootLogin yes\n"
                               << (extra_config.find("Subsystem") == std::string::npos
                                       ? "Subsystem sftp internal-sftp\n"
                                       : "")
                               << "LogLevel ERROR\n"
                                  "MaxStartups 100\nMaxSessions 100\n"
                               << extra_config;
    m_hosts.push_back(std::move(host));
    start(m_hosts.size() - 1);
  }
}

SshFleet::~SshFleet() {
  for (Host& host : m_hosts) {
    host.sshd.reset();  // SIGKILLs and reaps the listener it started
  }
}

std::string SshFleet::entry(std::size_t i) const {
  return m_user + "@" + m_hosts[i].address + ":" + std::to_string(m_hosts[i].port);
}

void SshFleet::trust_all() const {
  std::ofstream out(m_known_hosts);
  for (const Host& host : m_hosts) {
    std::istringstream key(read_file(host.host_key + ".pub"));
    std::string type;
    std::string data;
    key >> type >> data;
    out << "[" << host.address << "]:" << host.port << " " << type << " " << data << "\n";
  }
}

void SshFleet::trust_wrong_key(std::size_t i) const {
  const std::string other = m_dir.path() + "/impostor_key";
  if (!fs::exists(other)) {
    run_tool_or_throw({"ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", other}, m_dir.path());
  }
  std::istringstream key(read_file(other + ".pub"));
  std::string type;
  std::string data;
  key >> type >> data;
  std::ofstream(m_known_hosts, std::ios::app)
      << "[" << m_hosts[i].address << "]:" << m_hosts[i].port << " " << type << " " << data << "\n";
}

void SshFleet::stop(std::size_t i) {
  m_hosts[i].sshd.reset();
}

void SshFleet::kill(std::size_t i) {
  if (!m_hosts[i].sshd) {
    return;
  }
  // Descendants of the listener, found through /proc parent links.
  std::vector<int> doomed{m_hosts[i].sshd->pid()};
  for (std::size_t next = 0; next < doomed.size(); ++next) {
    for (const auto& entry : fs::directory_iterator("/proc")) {
      const std::string name = entry.path().filename().string();
      if (name.find_first_not_of("0123456789") != std::string::npos) {
        continue;
      }
      const std::string stat = read_file(entry.path().string() + "/stat");
      const std::size_t close = stat.rfind(')');
      if (close == std::string::npos) {
        continue;
      }
      std::istringstream fields(stat.substr(close + 2));
      char state = 0;
      int parent = 0;
      fields >> state >> parent;
      if (parent == doomed[next]) {
        doomed.push_back(std::stoi(name));
      }
    }
  }
  for (const int pid : doomed) {  // sshd first: the connection drops before its commands die
    ::kill(pid, SIGKILL);
  }
  m_hosts[i].sshd.reset();
}

void SshFleet::start(std::size_t i) {
  Host& host = m_hosts[i];
  host.sshd = std::make_unique<ChildProcess>(
      ProcessOptions{{"/usr/sbin/sshd", "-D", "-e", "-f", host.config},
                     {},
                     m_dir.path(),
                     m_dir.path() + "/sshd_" + std::to_string(i) + ".log"});
  if (!wait_until([&] { return accepts(host.address, host.port); }, std::chrono::seconds(10))) {
    throw std::runtime_error("sshd on " + host.address + " did not start: " + host.sshd->output());
  }
}

}  // namespace bosun::test
