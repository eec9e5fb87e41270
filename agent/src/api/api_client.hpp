#pragma once
// The client side of the agent API: one request over the Unix socket.

#include <string>

namespace bosun::agent::api {

struct ApiResponse {
  int status = 0;
  std::string body;
};

// Throws std::runtime_error naming the socket when the agent cannot be reached.
ApiResponse call_agent(const std::string& socket_path, const std::string& method,
                       const std::string& path);

}  // namespace bosun::agent::api
