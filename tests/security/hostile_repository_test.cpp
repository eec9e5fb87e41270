// Issue 16, item 5: a repository that commits a symlink out of the release, with a `shared:`
// path through it. The link is refused, naming the symlink, and nothing outside the release
// is touched; a symlink committed where a shared path itself goes is replaced, not followed.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "agent_fixture.hpp"
#include "child_process.hpp"
#include "deploy_sandbox.hpp"
#include "git_repo.hpp"
#include "release/release_store.hpp"

namespace bosun::agent::release {
namespace {

namespace fs = std::filesystem;

class HostileRepository : public ::testing::Test {
 protected:
  void SetUp() override {
    fs::create_directories(victim + "/important");
    std::ofstream(victim + "/important/keep.txt") << "the victim's data\n";
    repo.write("app.yaml", "app: x\n");
  }
  test::TempDir dir;
  const std::string victim = dir.path() + "/victim";
  test::GitRepo repo{dir.path() + "/app"};
  ReleaseStore store{dir.path() + "/root", {BOSUN_AGENT_BIN}};
};

TEST_F(HostileRepository, ASharedPathThroughACommittedSymlinkIsRefusedAndTouchesNothing) {
  fs::create_symlink(victim, repo.path() + "/data");
  repo.commit_all("data points out of the release");
  store.fetch(repo.path());
  const Release release = store.checkout("main");
  ASSERT_TRUE(fs::is_symlink(release.path / "data")) << "the checkout keeps the symlink";
  try {
    store.link_shared(release, {"data/important"});
    ADD_FAILURE() << "linked through a symlink out of the release";
  } catch (const std::runtime_error& error) {
    EXPECT_EQ(std::string(error.what()),
              "shared: data/important: data is a symlink (to " + victim +
                  "); a path bosun links or creates must not go through one");
  }
  EXPECT_TRUE(fs::exists(victim + "/important/keep.txt"));
  EXPECT_FALSE(fs::is_symlink(victim + "/important"));
}

TEST_F(HostileRepository, ASymlinkCommittedWhereASharedPathGoesIsReplacedNotFollowed) {
  fs::create_symlink(victim + "/important", repo.path() + "/uploads");
  repo.commit_all("uploads points out of the release");
  store.fetch(repo.path());
  const Release release = store.checkout("main");
  store.link_shared(release, {"uploads"});
  EXPECT_EQ(fs::read_symlink(release.path / "uploads"),
            fs::path(dir.path() + "/root/shared/uploads"));
  EXPECT_TRUE(fs::exists(victim + "/important/keep.txt"));
}

TEST_F(HostileRepository, ASymlinkLeftInSharedByTheAppIsNotFollowed) {
  repo.commit_all("plain");
  store.fetch(repo.path());
  const Release release = store.checkout("main");
  fs::create_directories(dir.path() + "/root/shared");
  fs::create_symlink(victim, dir.path() + "/root/shared/data");  // written at run time
  EXPECT_THROW(store.link_shared(release, {"data/important"}), std::runtime_error);
  EXPECT_THROW(store.link_shared(release, {"data"}), std::runtime_error);
  EXPECT_TRUE(fs::exists(victim + "/important/keep.txt"));
}

// Through the real agent: the deploy fails at checkout with the reason, and the release never
// goes live.
TEST_F(HostileRepository, ADeployThroughACommittedSymlinkFailsAtCheckoutSayingWhy) {
  test::AgentSandbox agent;
  repo.write("app.yaml", "app: x\nrepo: " + repo.path() +
                             "\nshared: [data/important]\nservices:\n  web:\n    command: "
                             "[/bin/sleep, \"60\"]\n");
  fs::create_symlink(victim, repo.path() + "/data");
  const std::string sha = repo.commit_all("data points out of the release");
  agent.start_agent({"--repo", repo.path()});
  const test::CliRun run = agent.cli({"deploy", "--root", agent.root(), "--commit", sha, "--json"},
                                     std::chrono::seconds(60));
  EXPECT_NE(run.code, 0) << run.output;
  EXPECT_EQ(test::run_result(run.output), "failed") << run.output;
  EXPECT_NE(run.output.find("data is a symlink (to " + victim + ")"), std::string::npos)
      << run.output;
  EXPECT_TRUE(fs::exists(victim + "/important/keep.txt"));
  EXPECT_FALSE(fs::exists(agent.root() + "/current"));
  agent.cli({"stop-all", "--root", agent.root()}, std::chrono::seconds(30));
}

}  // namespace
}  // namespace bosun::agent::release
