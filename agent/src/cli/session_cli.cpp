#include "cli/session_cli.hpp"

#include <poll.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <ostream>
#include <sstream>

#include <Poco/JSON/Array.h>
#include <Poco/JSON/Parser.h>

#include "bosun/common/cli.hpp"
#include "bosun/common/duration.hpp"
#include "bosun/common/exit_codes.hpp"
#include "bosun/common/line_buffer.hpp"
#include "bosun/common/session_protocol.hpp"
#include "bosun/common/text.hpp"
#include "cli/framed_output.hpp"

namespace bosun::agent::cli {

// A request is a JSON array of a command's arguments: far below this. Longer is a client gone
// wrong (or hostile), and ends the session.
constexpr std::size_t k_max_request_line = 64 * 1024;
namespace {

// Commands that make no sense inside a session: the daemon and a session in a session.
bool refused(const std::string& subcommand) {
  return subcommand == "run" || subcommand == "session";
}

// A request line as arguments; empty with `error` set when the line is not a JSON array of
// strings.
std::vector<std::string> parse_request(const std::string& line, std::string& error) {
  std::vector<std::string> args;
  try {
    Poco::JSON::Parser parser;
    const auto array = parser.parse(line).extract<Poco::JSON::Array::Ptr>();
    for (std::size_t i = 0; i < array->size(); ++i) {
      const Poco::Dynamic::Var item = array->get(static_cast<unsigned>(i));
      if (!item.isString()) {
        error = "argument " + std::to_string(i + 1) + " is not a string";
        return {};
      }
      args.push_back(item.extract<std::string>());
    }
  } catch (const std::exception&) {
    error = "not a JSON array of strings";
    return {};
  }
  if (args.empty()) {
    error = "an empty request";
  }
  return args;
}

// The request again without --wait: renewing our own lock never needs to wait, and a lock
// taken away meanwhile must not stall the session.
std::vector<std::string> without_wait(const std::vector<std::string>& args) {
  std::vector<std::string> kept;
  for (std::size_t i = 0; i < args.size(); ++i) {
    if (args[i] == "--wait") {
      ++i;
    } else if (!args[i].starts_with("--wait=")) {
      kept.push_back(args[i]);
    }
  }
  return kept;
}

}  // namespace

int session_command(const std::vector<std::string>& args, std::ostream& out, std::ostream& err,
                    const SubcommandRunner& run_subcommand, int input_fd,
                    std::chrono::milliseconds renew_every, std::chrono::milliseconds idle_timeout) {
  bosun::cli::ArgParser parser(
      "bosun-agent session",
      "Run agent commands read from stdin, one JSON array of arguments per line, each reply "
      "ended by {\"session\":\"done\",\"exit\":N}; the controller's one connection per host.");
  if (const auto code = parser.parse_or_exit_code(args, out, err)) {
    return *code;
  }
  std::vector<std::string> renew;  // the last lock this session took, to keep alive
  auto renew_at = std::chrono::steady_clock::now() + renew_every;
  // A session holding no lock and asking nothing ends: idle ones would use up the daemon's.
  auto idle_until = std::chrono::steady_clock::now() + idle_timeout;
  // One request: its command's output, then the done line.
  const auto answer = [&](const std::string& line) {
    std::string error;
    const std::vector<std::string> request = parse_request(line, error);
    int code = exit_code::k_invalid_input;
    if (!error.empty()) {
      out << "bosun-agent session: bad request: " << error << "\n";
    } else if (refused(request[0])) {
      out << "bosun-agent session: \"" << request[0] << "\" cannot run in a session\n";
    } else {
      FramedOutput framed(out.rdbuf());  // the command's lines can never end the reply
      std::ostream command_out(&framed);
      code = run_subcommand(request, command_out, command_out);
      command_out.flush();
      framed.finish();
      if (request.size() >= 2 && request[0] == "lock") {
        if (request[1] == "acquire" && code == exit_code::k_ok) {
          renew = without_wait(request);
        } else if (request[1] == "release") {
          renew.clear();
        }
      }
    }
    out << session_done_line(code) << "\n";
    out.flush();
  };
  LineBuffer requests(k_max_request_line);
  char buffer[4096];
  while (true) {
    while (const auto line = requests.next_line()) {
      if (line->find_first_not_of(" \t\r") == std::string::npos) {
        continue;
      }
      answer(*line);
      renew_at = std::chrono::steady_clock::now() + renew_every;
      idle_until = std::chrono::steady_clock::now() + idle_timeout;
    }
    if (requests.overflowed()) {
      out << "bosun-agent session: bad request: a line longer than " << requests.max_line()
          << " bytes; the session ends\n"
          << session_done_line(exit_code::k_invalid_input) << "\n";
      out.flush();
      return exit_code::k_invalid_input;
    }
    const auto now = std::chrono::steady_clock::now();
    if (renew.empty() && now >= idle_until) {
      out << "bosun-agent session: no request for " << format_duration(idle_timeout)
          << " and no lock held; the session ends\n";
      out.flush();
      return exit_code::k_ok;
    }
    const auto wake = renew.empty() ? std::min(renew_at, idle_until) : renew_at;
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(wake - now);
    pollfd readable{input_fd, POLLIN, 0};
    const int ready = ::poll(&readable, 1, static_cast<int>(std::max<long>(0, left.count())));
    if (ready < 0 && errno != EINTR) {
      return exit_code::k_failed;
    }
    if (ready == 0 && std::chrono::steady_clock::now() < renew_at) {
      continue;  // woken for the idle deadline
    }
    if (ready == 0) {
      if (!renew.empty()) {
        std::ostringstream quiet;
        if (run_subcommand(renew, quiet, quiet) != exit_code::k_ok) {
          renew.clear();  // taken over or forced away: a later deploy reports it
        }
      }
      renew_at = std::chrono::steady_clock::now() + renew_every;
      continue;
    }
    if (ready < 0) {
      continue;
    }
    const ssize_t n = ::read(input_fd, buffer, sizeof buffer);
    if (n < 0 && errno == EINTR) {
      continue;
    }
    if (n <= 0) {
      return exit_code::k_ok;  // the controller closed the session (or is gone)
    }
    requests.append(std::string_view(buffer, static_cast<std::size_t>(n)));
  }
}

}  // namespace bosun::agent::cli
