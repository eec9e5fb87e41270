// Issue 16, item 12: the agent's files are its own. Through the real bosun-agent (umask 077):
// state.db and its WAL, backups, .env, records and logs are private; what the services' users
// read (the root, shared/, the release with its executables) keeps the usual modes; and a
// service or a build step gets the usual umask 022 back.
#include <sys/stat.h>

#include <filesystem>

#include <gtest/gtest.h>

#include "agent_fixture.hpp"
#include "child_process.hpp"
#include "deploy_sandbox.hpp"
#include "git_repo.hpp"

namespace bosun::test {
namespace {

namespace fs = std::filesystem;

unsigned mode_of(const fs::path& path) {
  struct stat info {};
  EXPECT_EQ(::lstat(path.c_str(), &info), 0) << path;
  return info.st_mode & 07777U;
}

std::string octal(unsigned mode) {
  char text[8];
  std::snprintf(text, sizeof text, "%04o", mode);
  return text;
}

#define EXPECT_MODE(path, mode) EXPECT_EQ(octal(mode_of(path)), octal(mode)) << (path)

TEST(FileModes, TheAgentsFilesArePrivateAndWhatServicesReadIsNot) {
  AgentSandbox agent;
  TempDir source;
  GitRepo repo{source.path() + "/app"};
  const std::string db = "${shared}/data/app.db";
  repo.write("app.yaml",
             "app: modes\nrepo: " + repo.path() +
                 "\nshared: [data, .env]\n"
                 "build: [[/bin/sh, -c, 'echo built > built.txt']]\n"
                 "database:\n  kind: sqlite\n  path: " +
                 db +
                 "\n  migrate:\n    up: [/usr/bin/python3, -c, \"import sqlite3; "
                 "sqlite3.connect('" +
                 db +
                 "').execute('create table if not exists t(x)')\"]\n"
                 "verify: {window: 1s}\n"
                 "services:\n  web:\n    command: [/usr/bin/python3, -c, \"open('${shared}/data/"
                 "made-by-app', 'w').write('x'); import time; time.sleep(120)\"]\n");
  repo.write("bin/tool", "#!/bin/sh\necho tool\n");
  fs::permissions(repo.path() + "/bin/tool", fs::perms::owner_exec, fs::perm_options::add);
  const std::string first = repo.commit_all("first");
  repo.write("VERSION", "2\n");
  const std::string second = repo.commit_all("second: backed up before its migrate");
  agent.start_agent({"--repo", repo.path()});
  for (const std::string& sha : {first, second}) {
    const CliRun run = agent.cli({"deploy", "--root", agent.root(), "--commit", sha, "--json"},
                                 std::chrono::seconds(120));
    ASSERT_EQ(run.code, 0) << run.output;
  }
  const fs::path root = agent.root();
  EXPECT_MODE(root / "state.db", 0600U);
  if (fs::exists(root / "state.db-wal")) {
    EXPECT_MODE(root / "state.db-wal", 0600U);
  }
  EXPECT_MODE(root / "run", 0700U);
  EXPECT_MODE(root / "shared/logs", 0700U);
  EXPECT_MODE(root / "shared/.env", 0600U);
  EXPECT_MODE(root / "shared", 0755U);
  EXPECT_MODE(root / "releases", 0755U);
  int backups = 0;
  for (const auto& entry : fs::recursive_directory_iterator(root)) {
    const std::string name = entry.path().filename().string();
    if (entry.is_regular_file() && entry.path().string().find("backup") != std::string::npos) {
      ++backups;
      EXPECT_EQ(mode_of(entry.path()) & 077U, 0U)
          << entry.path() << " " << octal(mode_of(entry.path()));
    }
  }
  EXPECT_GT(backups, 0) << "the second deploy backs the database up";

  const fs::path release = fs::canonical(root / "current");
  EXPECT_MODE(release, 0755U);
  EXPECT_MODE(release / "app.yaml", 0644U);
  EXPECT_MODE(release / "bin", 0755U);
  EXPECT_MODE(release / "bin/tool", 0755U);
  EXPECT_MODE(release / "built.txt", 0644U);  // the build step ran with umask 022
  ASSERT_TRUE(wait_until([&] { return fs::exists(root / "shared/data/made-by-app"); },
                         std::chrono::milliseconds(20'000)));
  EXPECT_MODE(root / "shared/data/made-by-app", 0644U);  // and so does the service
  agent.cli({"stop-all", "--root", agent.root()}, std::chrono::seconds(30));
}

}  // namespace
}  // namespace bosun::test
