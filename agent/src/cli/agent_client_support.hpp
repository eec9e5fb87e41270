#pragma once
// What the agent's client commands share: where to find the daemon and how to call it,
// turning failures into one clear message.

#include <optional>
#include <ostream>
#include <string>

#include <Poco/JSON/Object.h>

#include "api/api_client.hpp"
#include "bosun/common/cli.hpp"

namespace bosun::agent::cli {

// Where the client finds the daemon: --socket, else --root/agent.sock, else $BOSUN_AGENT_SOCKET.
struct SocketOptions {
  std::string root;
  std::string socket;

  void add_to(bosun::cli::ArgParser& parser);
  std::string path() const;
};

// Who is asking, when not told: "$USER@hostname". Recorded in locks and history.
std::string default_operator();

Poco::JSON::Object::Ptr parse_object(const std::string& body);

// Calls the agent; on failure prints "COMMAND: why" to `err` and returns nullopt.
std::optional<api::ApiResponse> call(const SocketOptions& options, const std::string& method,
                                     const std::string& path, const std::string& command,
                                     std::ostream& err);

}  // namespace bosun::agent::cli
