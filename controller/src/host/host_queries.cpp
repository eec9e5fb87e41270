#include "host/host_queries.hpp"

#include "bosun/common/exit_codes.hpp"

namespace bosun::controller::host {

std::vector<Answer> ask_all(std::vector<HostSession>& hosts, const std::string& subcommand,
                            const std::vector<std::string>& args) {
  std::vector<Answer> answers(hosts.size());
  each_host(hosts, [&](std::size_t i, HostSession& host) {
    answers[i].failure = host.try_connect();
    if (!answers[i].failure.empty()) {
      return;
    }
    answers[i].result = host.agent_capture(subcommand, args, k_query_timeout);
    if (answers[i].result.exit_code < 0) {
      answers[i].failure = answers[i].result.error;
    }
  });
  return answers;
}

std::optional<cli::ControllerContext> open_context(cli::GlobalOptions& globals,
                                                   bosun::cli::ArgParser& parser,
                                                   const std::vector<std::string>& args,
                                                   const std::string& command, std::ostream& out,
                                                   std::ostream& err, int& code) {
  if (const auto exit = parser.parse_or_exit_code(args, out, err)) {
    code = *exit;
    return std::nullopt;
  }
  auto context = cli::ControllerContext::open(globals, command, err);
  if (!context) {
    code = exit_code::k_invalid_input;
  }
  return context;
}

}  // namespace bosun::controller::host
