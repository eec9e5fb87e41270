// Zero-downtime behaviour: SIGTERM drains in-flight requests, and a second instance shares
// the port (SO_REUSEPORT) so clients see no failed connection while the first one stops.

#include <sys/wait.h>
#include <atomic>
#include <csignal>
#include <future>
#include <thread>

#include <gtest/gtest.h>

#include "platform_fixture.hpp"

namespace bosun::test {
namespace {

TEST(ServerLifecycle, SigtermDrainsInFlightRequests) {
  PlatformSandbox sandbox;
  unsigned short port = 0;
  auto server = sandbox.start_server(port);
  // Registration hashes the password with 120k PBKDF2 rounds: slow enough to be in flight.
  std::vector<std::future<int>> requests;
  for (int i = 0; i < 6; ++i) {
    requests.push_back(std::async(std::launch::async, [port, i] {
      const std::string body =
          R"({"email":"u)" + std::to_string(i) + R"(@example.com","password":"long enough"})";
      return http(port, "POST", "/auth/register", body).status;
    }));
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(30));
  server->signal(SIGTERM);
  for (auto& request : requests) {
    EXPECT_EQ(request.get(), 201);
  }
  const auto status = server->wait(std::chrono::seconds(15));
  ASSERT_TRUE(status.has_value());
  EXPECT_EQ(WEXITSTATUS(*status), 0);
  EXPECT_NE(server->output().find("draining in-flight requests"), std::string::npos)
      << server->output();
}

TEST(ServerLifecycle, TwoInstancesShareAPortAndHandOverWithoutFailures) {
  PlatformSandbox sandbox;
  unsigned short port = 0;
  auto old_instance = sandbox.start_server(port);
  auto new_instance = sandbox.start_server(port);  // same port: only possible with SO_REUSEPORT

  std::atomic<bool> done{false};
  std::atomic<int> ok{0};
  std::atomic<int> failed{0};
  std::string first_failure;
  std::thread client([&] {
    // A fresh connection per request, as a load balancer health check would make.
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
    while (!done.load() && std::chrono::steady_clock::now() < deadline) {
      try {
        if (http(port, "GET", "/health").status == 200) {
          ++ok;
        } else {
          ++failed;
        }
      } catch (const std::exception& error) {
        if (failed++ == 0) {
          first_failure = error.what();
        }
      }
    }
  });
  ASSERT_TRUE(wait_until([&] { return ok.load() > 200; }, std::chrono::seconds(10)));
  old_instance->signal(SIGTERM);
  const auto status = old_instance->wait(std::chrono::seconds(15));
  const int at_stop = ok.load();
  ASSERT_TRUE(wait_until([&] { return ok.load() > at_stop + 200; }, std::chrono::seconds(10)));
  done = true;
  client.join();
  ASSERT_TRUE(status.has_value());
  EXPECT_EQ(WEXITSTATUS(*status), 0);
  EXPECT_EQ(failed.load(), 0) << "first failure: " << first_failure;
  EXPECT_TRUE(new_instance->running());
}

}  // namespace
}  // namespace bosun::test
