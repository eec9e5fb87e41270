#pragma once
// The HTTP side of platform-server: a Poco HTTPServer on a SO_REUSEPORT socket, with a
// bounded drain on shutdown. Poco types stay inside http_server.cpp.

#include <atomic>
#include <chrono>
#include <memory>

#include "core/config.hpp"
#include "server/metrics.hpp"
#include "server/router.hpp"

namespace platform {

class HttpServer {
 public:
  HttpServer(const ServerConfig& config, const Router& router, Metrics& metrics);
  ~HttpServer();
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  // Binds (SO_REUSEPORT, so a new instance can start beside an old one) and serves.
  void start();
  // Stops accepting, lets in-flight requests finish for up to `drain`; returns true when
  // nothing was left in flight.
  bool stop(std::chrono::milliseconds drain);
  std::uint16_t port() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> m_impl;
};

}  // namespace platform
