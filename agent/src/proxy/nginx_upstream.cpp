#include "proxy/nginx_upstream.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <signal.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <map>
#include <optional>
#include <sstream>
#include <vector>

#include "bosun/common/text.hpp"
#include "bosun/common/text_file.hpp"
#include "bosun/common/unique_fd.hpp"
#include "deploy/steps/step_command.hpp"
#include "sys/proc_pids.hpp"

extern char** environ;

namespace bosun::agent::proxy {
namespace {

namespace fs = std::filesystem;

constexpr std::chrono::seconds k_command_timeout{15};

std::map<std::string, std::string> agent_environment() {
  std::map<std::string, std::string> env;
  for (char** entry = environ; entry != nullptr && *entry != nullptr; ++entry) {
    const std::string text(*entry);
    const std::size_t equals = text.find('=');
    if (equals != std::string::npos) {
      env[text.substr(0, equals)] = text.substr(equals + 1);
    }
  }
  return env;
}

// Written beside, then renamed over: nginx never reads half a file.
bool write_atomically(const fs::path& path, const std::string& text) {
  std::error_code error;
  fs::create_directories(path.parent_path(), error);
  const fs::path temporary = path.string() + ".bosun-tmp";
  {
    std::ofstream out(temporary, std::ios::trunc);
    out << text;
    if (!out.flush()) {
      return false;
    }
  }
  fs::rename(temporary, path, error);
  return !error;
}

// The command's result and, when it failed, its last lines of output.
std::optional<std::string> run(const std::vector<std::string>& argv, const std::string& log) {
  deploy::steps::StepCommand command;
  command.argv = argv;
  command.env = agent_environment();
  command.log_path = log;
  command.timeout = k_command_timeout;
  const auto before = fs::exists(log) ? fs::file_size(log) : 0;
  const deploy::steps::StepCommandResult result = deploy::steps::run_step_command(command);
  if (result.succeeded()) {
    return std::nullopt;
  }
  std::string output;
  std::ifstream in(log);
  in.seekg(static_cast<std::streamoff>(before));
  for (std::string line; std::getline(in, line);) {
    output += (output.empty() ? "" : " | ") + line;
  }
  return join(argv, " ") + " " + (result.started ? result.describe() : result.error) +
         (output.empty() ? "" : ": " + output);
}

int count_established(const std::string& table, std::uint16_t port) {
  std::ifstream in(table);
  std::string line;
  std::getline(in, line);  // the header
  int count = 0;
  while (std::getline(in, line)) {
    std::istringstream fields(line);
    std::string slot, local, remote, state;
    fields >> slot >> local >> remote >> state;
    const std::size_t colon = local.rfind(':');
    if (colon == std::string::npos || state != "01") {  // 01: ESTABLISHED
      continue;
    }
    if (std::stoul(local.substr(colon + 1), nullptr, 16) == port) {
      ++count;
    }
  }
  return count;
}

// nginx's master from its pid file; -1 when unknown.
pid_t master_pid(const std::string& pid_file) {
  const auto text = read_text_file(pid_file);
  if (!text) {
    return -1;
  }
  try {
    const long pid = std::stol(*text);
    return pid > 1 && ::kill(static_cast<pid_t>(pid), 0) == 0 ? static_cast<pid_t>(pid) : -1;
  } catch (const std::exception&) {
    return -1;
  }
}

// The parent pid of `pid` (field 4 of /proc/<pid>/stat); -1 when it is gone.
pid_t parent_of(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
  std::string line;
  if (!std::getline(in, line)) {
    return -1;
  }
  const std::size_t close = line.rfind(')');  // the command name may hold spaces
  std::istringstream rest(close == std::string::npos ? "" : line.substr(close + 2));
  std::string state;
  pid_t parent = -1;
  rest >> state >> parent;
  return state == "Z" ? -1 : parent;
}

std::vector<pid_t> children_of(pid_t parent) {
  std::vector<pid_t> children;
  for (const pid_t pid : sys::all_pids()) {
    if (parent_of(pid) == parent) {
      children.push_back(pid);
    }
  }
  return children;
}

// Without a pid file to follow the workers, a reload counts as done after this.
constexpr std::chrono::seconds k_reload_settle_without_pid{2};

class NginxProxyControl final : public supervise::ProxyControl {
 public:
  bool port_free(std::uint16_t port) override {
    const UniqueFd fd(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
    const int on = 1;
    ::setsockopt(fd.get(), SOL_SOCKET, SO_REUSEADDR, &on, sizeof on);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_port = htons(port);
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    return fd.valid() &&
           ::bind(fd.get(), reinterpret_cast<const sockaddr*>(&address), sizeof address) == 0;
  }

  std::uint16_t upstream_port(const supervise::ProxyPlan& plan) override {
    const auto text = read_text_file(plan.upstream);
    return text ? port_in_upstream_file(*text) : 0;
  }

  supervise::UpstreamSwitch switch_upstream(const supervise::ProxyPlan& plan, std::uint16_t port,
                                            bool must_reload) override {
    const std::optional<std::string> previous = read_text_file(plan.upstream);
    const auto put_back = [&] {
      if (previous) {
        write_atomically(plan.upstream, *previous);
      } else {
        std::error_code ignored;
        fs::remove(plan.upstream, ignored);
      }
    };
    if (!write_atomically(plan.upstream, upstream_file_text(plan, port))) {
      return {false, "cannot write " + plan.upstream};
    }
    if (const auto failed = run(plan.test, plan.log_path)) {
      put_back();
      return {false, *failed + " (the previous " + plan.upstream + " is back)"};
    }
    // The workers that will go once the reload is done: until then they proxy to the old port.
    Reload& reload = m_reloads[plan.upstream];
    reload.master = master_pid(plan.pid_file);
    reload.workers = reload.master > 0 ? children_of(reload.master) : std::vector<pid_t>{};
    reload.at = std::chrono::steady_clock::now();
    if (const auto failed = run(plan.reload, plan.log_path)) {
      if (must_reload) {
        put_back();
        return {false, *failed + " (the previous " + plan.upstream + " is back)"};
      }
      return {true, "upstream " + plan.name + " -> 127.0.0.1:" + std::to_string(port) + " in " +
                        plan.upstream + "; nginx not reloaded (" + *failed +
                        "): it reads the file when it starts"};
    }
    return {true,
            "upstream " + plan.name + " -> 127.0.0.1:" + std::to_string(port) + ", nginx reloaded"};
  }

  int open_connections(std::uint16_t port) override {
    return count_established("/proc/net/tcp", port) + count_established("/proc/net/tcp6", port);
  }

  bool reload_settled(const supervise::ProxyPlan& plan) override {
    const auto found = m_reloads.find(plan.upstream);
    if (found == m_reloads.end()) {
      return true;
    }
    const Reload& reload = found->second;
    if (reload.master <= 0) {
      return std::chrono::steady_clock::now() - reload.at >= k_reload_settle_without_pid;
    }
    return std::none_of(reload.workers.begin(), reload.workers.end(),
                        [&](pid_t worker) { return parent_of(worker) == reload.master; });
  }

 private:
  struct Reload {
    pid_t master = -1;
    std::vector<pid_t> workers;
    std::chrono::steady_clock::time_point at;
  };
  std::map<std::string, Reload> m_reloads;  // by upstream file
};

}  // namespace

std::string upstream_file_text(const supervise::ProxyPlan& plan, std::uint16_t port) {
  return "# Written by bosun at each deploy (deploy: proxy): edits are replaced.\n"
         "upstream " +
         plan.name + " {\n    server 127.0.0.1:" + std::to_string(port) + ";\n}\n";
}

std::uint16_t port_in_upstream_file(const std::string& text) {
  const std::string marker = "server 127.0.0.1:";
  const std::size_t at = text.find(marker);
  if (at == std::string::npos) {
    return 0;
  }
  std::size_t end = at + marker.size();
  unsigned long port = 0;
  while (end < text.size() && std::isdigit(static_cast<unsigned char>(text[end])) != 0) {
    port = port * 10 + static_cast<unsigned long>(text[end] - '0');
    ++end;
    if (port > 65535) {
      return 0;
    }
  }
  return static_cast<std::uint16_t>(port);
}

std::unique_ptr<supervise::ProxyControl> nginx_proxy_control() {
  return std::make_unique<NginxProxyControl>();
}

}  // namespace bosun::agent::proxy
