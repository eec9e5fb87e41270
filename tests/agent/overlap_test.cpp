// The supervisor's overlap start on its own: an old instance keeps serving until its
// replacement is ready, and a second overlap while an older instance is still stopping waits
// for it — never three instances of a service at once (the platform's hand-over of a shared
// port between two instances breaks with a third).

#include <dirent.h>

#include <fstream>
#include <sstream>
#include <thread>

#include <gtest/gtest.h>

#include "child_process.hpp"
#include "host_layout.hpp"
#include "journal.hpp"
#include "supervisor.hpp"

namespace bosun::agent {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

// Processes whose command line holds `marker`.
int count_processes(const std::string& marker) {
  int count = 0;
  DIR* proc = ::opendir("/proc");
  while (proc != nullptr) {
    const dirent* entry = ::readdir(proc);
    if (entry == nullptr) {
      break;
    }
    std::ifstream file(std::string("/proc/") + entry->d_name + "/cmdline");
    std::stringstream text;
    text << file.rdbuf();
    count += text.str().find(marker) != std::string::npos ? 1 : 0;
  }
  if (proc != nullptr) {
    ::closedir(proc);
  }
  return count;
}

std::optional<ServiceStatus> status_of(const Supervisor& supervisor) {
  for (const ServiceStatus& status : supervisor.snapshot()) {
    if (status.name == "server") {
      return status;
    }
  }
  return std::nullopt;
}

TEST(Overlap, ASecondOverlapWaitsForTheOldInstanceToStopNeverThreeAtOnce) {
  test::TempDir dir;
  const HostLayout layout{dir.path()};
  layout.create();
  Journal journal(layout.state_db().string());
  // Each version stops slowly (400 ms after SIGTERM), like a server draining connections.
  const std::string marker = "overlap-marker-" + std::to_string(::getpid());
  const auto version = [&](int n) {
    ServiceSpec spec;
    spec.name = "server";
    spec.argv = {"/bin/sh", "-c", "trap 'sleep 0.4; exit 0' TERM; while :; do sleep 0.02; done",
                 marker, std::to_string(n)};
    spec.env = {{"PATH", "/usr/bin:/bin"}};
    spec.cwd = dir.path();
    spec.log_path = (layout.logs() / "server.log").string();
    spec.stop.timeout = seconds(5);
    spec.deploy = manifest::DeployMode::overlap;
    return spec;
  };
  Supervisor supervisor({version(1)}, layout, journal);
  std::thread loop([&] { supervisor.run(); });
  ASSERT_TRUE(test::wait_until(
      [&] {
        const auto status = status_of(supervisor);
        return status && status->state == ServiceState::ready;
      },
      seconds(10)));
  const std::uint64_t first = status_of(supervisor)->instance;
  ASSERT_EQ(await_reply(supervisor.update(version(2), UpdateMode::overlap)), "");
  // Version 2 is ready at once, so version 1 is stopping (slowly) when version 3 arrives.
  ASSERT_TRUE(test::wait_until(
      [&] {
        const auto status = status_of(supervisor);
        return status && status->instance > first && status->leaving_stopping == 1;
      },
      seconds(10)));
  ASSERT_EQ(await_reply(supervisor.update(version(3), UpdateMode::overlap)), "");
  int most = 0;
  bool settled = false;
  const auto deadline = std::chrono::steady_clock::now() + seconds(15);
  while (!settled && std::chrono::steady_clock::now() < deadline) {
    most = std::max(most, count_processes(marker));
    const auto status = status_of(supervisor);
    settled = status && status->state == ServiceState::ready && status->instance >= first + 2 &&
              status->leaving == 0;
    std::this_thread::sleep_for(milliseconds(5));
  }
  EXPECT_TRUE(settled) << "version 3 ready, the older instances gone";
  EXPECT_LE(most, 2) << "never three instances at once";
  EXPECT_EQ(count_processes(marker), 1);
  EXPECT_EQ(status_of(supervisor)->instance, first + 2) << "one new instance per update";
  ASSERT_EQ(await_reply(supervisor.request(RequestKind::stop_all, "")), "");
  loop.join();
  EXPECT_EQ(count_processes(marker), 0);
}

}  // namespace
}  // namespace bosun::agent
