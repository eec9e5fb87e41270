// The supervisor's overlap start on its own: an old instance keeps serving until its
// replacement is ready, and a second overlap while an older instance is still stopping waits
// for it — never three instances of a service at once (the platform's hand-over of a shared
// port between two instances breaks with a third).

#include <dirent.h>
#include <unistd.h>

#include <fstream>
#include <sstream>
#include <thread>

#include <gtest/gtest.h>

#include "agent_namespaces.hpp"
#include "child_process.hpp"
#include "core/host_layout.hpp"
#include "state/journal.hpp"
#include "supervise/supervisor.hpp"

namespace bosun::agent {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

// The parent pid of `pid` from /proc/PID/stat (0 when it is gone).
pid_t parent_of(const std::string& pid) {
  std::ifstream file("/proc/" + pid + "/stat");
  std::string stat;
  std::getline(file, stat);
  const std::size_t end = stat.rfind(')');  // the command name may hold spaces
  std::istringstream rest(end == std::string::npos ? "" : stat.substr(end + 2));
  char state = 0;
  pid_t parent = 0;
  rest >> state >> parent;
  return parent;
}

// Instances of the service: processes this test (the supervisor in it) started whose command
// line holds `marker` (not the short-lived forks the shell makes to run `sleep`).
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
    count += text.str().find(marker) != std::string::npos && parent_of(entry->d_name) == ::getpid()
                 ? 1
                 : 0;
  }
  if (proc != nullptr) {
    ::closedir(proc);
  }
  return count;
}

std::vector<std::string> lines_of(const std::string& path) {
  std::ifstream file(path);
  std::vector<std::string> lines;
  for (std::string line; std::getline(file, line);) {
    lines.push_back(line);
  }
  return lines;
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
  // Each version stops slowly (1 s after SIGTERM), like a server draining connections.
  const std::string marker = "overlap-marker-" + std::to_string(::getpid());
  // Every instance appends "start" once it runs and "stop" just before it exits: the most
  // instances alive at once is then exact, however briefly they overlapped.
  const std::string lifetimes = dir.path() + "/lifetimes";
  const auto version = [&](int n) {
    ServiceSpec spec;
    spec.name = "server";
    spec.argv = {"/bin/sh", "-c",
                 "echo start >> " + lifetimes + "; trap 'sleep 1; echo stop >> " + lifetimes +
                     "; exit 0' TERM; while :; do sleep 0.02; done",
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
  bool settled = false;
  const auto deadline = std::chrono::steady_clock::now() + seconds(15);
  while (!settled && std::chrono::steady_clock::now() < deadline) {
    const auto status = status_of(supervisor);
    // (Without a ready probe an instance is ready once started, before its shell ran: the
    // log must show all three started and two stopped too.)
    settled = status && status->state == ServiceState::ready && status->instance >= first + 2 &&
              status->leaving == 0 && lines_of(lifetimes).size() == 5;
    std::this_thread::sleep_for(milliseconds(5));
  }
  EXPECT_TRUE(settled) << "version 3 ready, the older instances gone";
  int alive = 0;
  int most = 0;
  for (const std::string& event : lines_of(lifetimes)) {
    alive += event == "start" ? 1 : -1;
    most = std::max(most, alive);
  }
  EXPECT_LE(most, 2) << "never three instances at once";
  EXPECT_EQ(alive, 1) << "one instance left running";
  EXPECT_EQ(count_processes(marker), 1);
  EXPECT_EQ(status_of(supervisor)->instance, first + 2) << "one new instance per update";
  ASSERT_EQ(await_reply(supervisor.request(RequestKind::stop_all, "")), "");
  loop.join();
  EXPECT_EQ(count_processes(marker), 0);
}

}  // namespace
}  // namespace bosun::agent
