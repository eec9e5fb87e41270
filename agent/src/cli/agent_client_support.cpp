#include "cli/agent_client_support.hpp"

#include <unistd.h>

#include <cstdlib>

#include <Poco/JSON/Parser.h>

#include "bosun/common/environment.hpp"
#include "core/host_layout.hpp"

namespace bosun::agent::cli {

using Poco::JSON::Object;

void SocketOptions::add_to(bosun::cli::ArgParser& parser) {
  parser.option("root", 'r', "DIR", "the app's root on this host (socket: DIR/agent.sock)", root)
      .option("socket", 's', "PATH",
              "the agent's socket (default: ROOT/agent.sock or $BOSUN_AGENT_SOCKET)", socket);
}

std::string SocketOptions::path() const {
  if (!socket.empty()) {
    return socket;
  }
  if (!root.empty()) {
    return HostLayout{root}.default_socket().string();
  }
  const char* from_env = std::getenv("BOSUN_AGENT_SOCKET");
  return from_env != nullptr ? from_env : "";
}

std::string default_operator() {
  return user_at_host();
}

Object::Ptr parse_object(const std::string& body) {
  Poco::JSON::Parser parser;
  return parser.parse(body).extract<Object::Ptr>();
}

// Calls the agent and turns failures into messages and exit codes. Returns nullopt after
// reporting an error.
std::optional<api::ApiResponse> call(const SocketOptions& options, const std::string& method,
                                     const std::string& path, const std::string& command,
                                     std::ostream& err) {
  const std::string socket = options.path();
  if (socket.empty()) {
    err << command << ": say which agent: --root DIR, --socket PATH or $BOSUN_AGENT_SOCKET\n";
    return std::nullopt;
  }
  try {
    api::ApiResponse response = api::call_agent(socket, method, path);
    if (response.status >= 400) {
      std::string message = response.body;
      try {
        message = parse_object(response.body)->getValue<std::string>("error");
      } catch (const std::exception&) {
        // not JSON: show the body as it is
      }
      err << command << ": " << message << "\n";
      return std::nullopt;
    }
    return response;
  } catch (const std::exception& error) {
    err << command << ": " << error.what() << "\n";
    return std::nullopt;
  }
}

}  // namespace bosun::agent::cli
