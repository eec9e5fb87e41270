// Issue 16, item 13: what a deploy reports done survives a power cut. The real bosun-agent
// runs under strace while it deploys, and the system calls show the order that makes it so:
// records written to a temporary file are fsync'ed before their rename and their folder
// after; the release's files reach the disk (syncfs) before `current` is renamed to it, and
// the root is fsync'ed after. Skipped where strace cannot trace (no ptrace).
#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>

#include <gtest/gtest.h>

#include "agent_fixture.hpp"
#include "api/api_client.hpp"
#include "child_process.hpp"
#include "git_repo.hpp"

namespace bosun::test {
namespace {

namespace fs = std::filesystem;

std::vector<std::string> lines_of(const std::string& path) {
  std::ifstream in(path);
  std::vector<std::string> lines;
  for (std::string line; std::getline(in, line);) {
    lines.push_back(line);
  }
  return lines;
}

// The index of the first line at or after `from` matching `pattern`; -1 when none.
long find_line(const std::vector<std::string>& lines, const std::string& pattern, long from = 0) {
  const std::regex wanted(pattern);
  for (long i = std::max(0L, from); i < static_cast<long>(lines.size()); ++i) {
    if (std::regex_search(lines[static_cast<std::size_t>(i)], wanted)) {
      return i;
    }
  }
  return -1;
}

std::string escaped(const std::string& text) {
  return std::regex_replace(text, std::regex(R"([.^$|()\[\]{}*+?\\])"), R"(\$&)");
}

TEST(Durability, ADeploysRecordsAndItsSwitchAreSyncedInTheRightOrder) {
  if (std::system("strace -o /dev/null true > /dev/null 2>&1") != 0) {
    GTEST_SKIP() << "strace cannot trace here (no ptrace)";
  }
  TempDir root_dir;
  TempDir source;
  const std::string root = fs::canonical(root_dir.path()).string();
  GitRepo repo{source.path() + "/app"};
  // Ready once it printed a line (after its exec): a service with no probe is "ready" at once,
  // and under strace the verify could look at it before its exec.
  repo.write("app.yaml", "app: durable\nrepo: " + repo.path() +
                             "\nverify: {window: 1s}\nservices:\n  web:\n    command: "
                             "[/bin/sh, -c, \"echo up; exec sleep 120\"]\n"
                             "    ready: {log: up, timeout: 20s}\n");
  const std::string sha = repo.commit_all("first");
  const std::string trace = root + "/../durability-" + fs::path(root).filename().string() + ".txt";
  ChildProcess agent({{"strace", "-f", "-y", "-qq", "-o", trace, "-e",
                       "trace=fsync,fdatasync,syncfs,rename,renameat,renameat2", BOSUN_AGENT_BIN,
                       "run", "--root", root, "--repo", repo.path(), "--host", "127.0.0.1"},
                      {"HOME=" + root},
                      root,
                      root + "/agent.out"});
  ASSERT_TRUE(wait_until(
      [&] {
        try {
          return agent::api::call_agent(root + "/agent.sock", "GET", "/v1/status").status == 200;
        } catch (const std::exception&) {
          return false;
        }
      },
      std::chrono::milliseconds(30'000)))
      << agent.output();
  ChildProcess deploy({{BOSUN_AGENT_BIN, "deploy", "--root", root, "--commit", sha},
                       {},
                       root,
                       root + "/deploy.out"});
  const auto deployed = deploy.wait(std::chrono::milliseconds(120'000));
  ASSERT_TRUE(deployed && WIFEXITED(*deployed) && WEXITSTATUS(*deployed) == 0) << deploy.output();
  ChildProcess stop({{BOSUN_AGENT_BIN, "stop-all", "--root", root}, {}, root, ""});
  stop.wait(std::chrono::milliseconds(30'000));
  agent.wait(std::chrono::milliseconds(30'000));
  const std::vector<std::string> lines = lines_of(trace);
  fs::remove(trace);
  ASSERT_FALSE(lines.empty());

  // The service's adoption record: its bytes, then its name, then its folder.
  const std::string record = escaped(root + "/run/web.pid");
  const long record_synced = find_line(lines, "fsync\\(\\d+<" + record + "\\.tmp>\\)");
  const long record_renamed = find_line(lines, "rename.*\"" + record + "\"", record_synced);
  const long run_synced =
      find_line(lines, "fsync\\(\\d+<" + escaped(root + "/run") + ">\\)", record_renamed);
  EXPECT_GE(record_synced, 0) << "the record was not fsync'ed before its rename";
  EXPECT_GT(record_renamed, record_synced);
  EXPECT_GT(run_synced, record_renamed) << "run/ was not fsync'ed after the rename";

  // The switch: the release on disk, then `current`, then the root.
  const long synced_fs = find_line(lines, "syncfs\\(\\d+<" + escaped(root + "/releases/"));
  const long switched = find_line(
      lines, "rename.*\\.current\\.tmp.*\"" + escaped(root + "/current") + "\"|rename.*\"current\"",
      synced_fs);
  const long root_synced = find_line(lines, "fsync\\(\\d+<" + escaped(root) + ">\\)", switched);
  EXPECT_GE(synced_fs, 0) << "no syncfs of the release before the switch";
  EXPECT_GT(switched, synced_fs) << "current was renamed before the release was synced";
  EXPECT_GT(root_synced, switched) << "the root was not fsync'ed after the switch";
}

}  // namespace
}  // namespace bosun::test
