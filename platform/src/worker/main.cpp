// platform-worker: generates lessons for queued content tasks. SIGTERM finishes the job in
// hand, then exits 0. Configuration from the environment (see platform/README.md).

#include <atomic>
#include <csignal>
#include <iostream>

#include "core/config.hpp"
#include "core/content_provider.hpp"
#include "worker/worker.hpp"

namespace {

std::atomic<bool> g_stop{false};
static_assert(std::atomic<bool>::is_always_lock_free, "set from a signal handler");

extern "C" void request_stop(int) {
  g_stop.store(true);
}

}  // namespace

int main() {
  struct sigaction action {};
  action.sa_handler = request_stop;
  sigemptyset(&action.sa_mask);
  sigaction(SIGTERM, &action, nullptr);
  sigaction(SIGINT, &action, nullptr);
  std::signal(SIGPIPE, SIG_IGN);

  platform::WorkerConfig config;
  try {
    config = platform::load_worker_config(platform::process_env());
  } catch (const platform::ConfigError& error) {
    std::cerr << "platform-worker: " << error.what() << "\n";
    return 2;
  }
  platform::LocalContentProvider provider(std::chrono::milliseconds(config.job_delay_ms),
                                          config.fail_pattern);
  try {
    platform::Worker(config, provider, std::cout).run(g_stop);
  } catch (const std::exception& error) {
    std::cerr << "platform-worker: " << error.what() << "\n";
    return 1;
  }
  return 0;
}
