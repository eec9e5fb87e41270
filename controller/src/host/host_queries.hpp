#pragma once
// Putting one agent question to every host of a stage at once, and the start every such
// command shares (parse the arguments, open the manifest and the stage).

#include <chrono>
#include <future>
#include <optional>
#include <ostream>
#include <string>
#include <vector>

#include "cli/controller_context.hpp"
#include "host/host_session.hpp"

namespace bosun::controller::host {

inline constexpr std::chrono::milliseconds k_query_timeout{120'000};

// Runs `work(index, host)` for every host at once; returns when all are done.
template <typename Work>
void each_host(std::vector<HostSession>& hosts, Work work) {
  std::vector<std::future<void>> running;
  for (std::size_t i = 0; i < hosts.size(); ++i) {
    running.push_back(std::async(std::launch::async, [&, i] { work(i, hosts[i]); }));
  }
  for (auto& task : running) {
    task.get();
  }
}

struct Answer {
  transport::RemoteResult result;
  std::string failure;  // when the host could not be asked
};

// `bosun-agent SUBCOMMAND ARGS` on every host, collected in the hosts' order.
std::vector<Answer> ask_all(std::vector<HostSession>& hosts, const std::string& subcommand,
                            const std::vector<std::string>& args);

// Parses the arguments and opens the manifest and its hosts; nullopt with `code` set (after
// printing help, or why not) when the command should end here.
std::optional<cli::ControllerContext> open_context(cli::GlobalOptions& globals,
                                                   bosun::cli::ArgParser& parser,
                                                   const std::vector<std::string>& args,
                                                   const std::string& command, std::ostream& out,
                                                   std::ostream& err, int& code);

}  // namespace bosun::controller::host
