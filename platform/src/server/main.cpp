// platform-server: the bundled platform's API server. Configuration comes from the
// environment (see platform/README.md); SIGTERM or SIGINT drains and exits 0.

#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <iostream>

#include <unistd.h>

#include "core/config.hpp"
#include "server/api.hpp"
#include "server/http_server.hpp"

int main() {
  // Block the stop signals before any thread starts, so only sigwait below receives them.
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGTERM);
  sigaddset(&stop_signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);
  std::signal(SIGPIPE, SIG_IGN);

  platform::ServerConfig config;
  try {
    config = platform::load_server_config(platform::process_env());
  } catch (const platform::ConfigError& error) {
    std::cerr << "platform-server: " << error.what() << "\n";
    return 2;
  }
  platform::Metrics metrics;
  platform::Router router;
  platform::Api api(config, metrics);
  api.register_routes(router);
  platform::HttpServer server(config, router, metrics);
  try {
    server.start();
  } catch (const std::exception& error) {
    std::cerr << "platform-server: cannot listen on " << config.bind << ":" << config.port << ": "
              << error.what() << "\n";
    return 1;
  }
  std::cout << "platform-server " << PLATFORM_VERSION << " listening on " << config.bind << ":"
            << server.port() << " (pid " << getpid() << ")" << std::endl;

  int received = 0;
  sigwait(&stop_signals, &received);
  std::cout << "platform-server: SIG" << (received == SIGTERM ? "TERM" : "INT")
            << " received, draining in-flight requests" << std::endl;
  const bool drained = server.stop(std::chrono::milliseconds(config.drain_timeout_ms));
  std::cout << "platform-server: " << (drained ? "drained, exiting" : "drain timed out, exiting")
            << std::endl;
  // Idle keep-alive connections may still hold pool threads; do not wait for them.
  std::fflush(nullptr);
  _exit(0);
}
