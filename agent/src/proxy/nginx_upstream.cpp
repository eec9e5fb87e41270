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

#include "bosun/common/environment.hpp"
#include "bosun/common/text.hpp"
#include "bosun/common/text_file.hpp"
#include "bosun/common/unique_fd.hpp"
#include "bosun/common/url.hpp"
#include "deploy/steps/step_command.hpp"
#include "sys/proc_net_tcp.hpp"
#include "sys/proc_pids.hpp"

namespace bosun::agent::proxy {
namespace {

namespace fs = std::filesystem;

constexpr std::chrono::seconds k_command_timeout{15};

// The command's result and, when it failed, its last lines of output.
std::optional<std::string> run(const std::vector<std::string>& argv, const std::string& log) {
  deploy::steps::StepCommand command;
  command.argv = argv;
  command.env = process_environment();
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
        write_text_file_atomically(plan.upstream, *previous);
      } else {
        std::error_code ignored;
        fs::remove(plan.upstream, ignored);
      }
    };
    if (!write_text_file_atomically(plan.upstream, upstream_file_text(plan, port))) {
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
    const auto sockets = sys::tcp_sockets();
    return static_cast<int>(
        std::count_if(sockets.begin(), sockets.end(), [&](const sys::TcpSocketEntry& entry) {
          return entry.state == sys::k_tcp_established && entry.port == port;
        }));
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
  const std::size_t begin = at + marker.size();
  const std::size_t end = text.find_first_not_of("0123456789", begin);
  return parse_port(text.substr(begin, end == std::string::npos ? end : end - begin)).value_or(0);
}

std::unique_ptr<supervise::ProxyControl> nginx_proxy_control() {
  return std::make_unique<NginxProxyControl>();
}

}  // namespace bosun::agent::proxy
