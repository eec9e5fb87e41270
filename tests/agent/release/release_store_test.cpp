// Releases against real git repositories made in temporary directories.

#include <sys/wait.h>

#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>
#include <thread>

#include <gtest/gtest.h>

#include "agent_namespaces.hpp"
#include "bosun/agent/agent_cli.hpp"
#include "child_process.hpp"
#include "git_repo.hpp"
#include "release/release_store.hpp"

namespace bosun::agent {
namespace {

namespace fs = std::filesystem;

using test::GitRepo;

std::string read(const fs::path& file) {
  std::ifstream in(file);
  std::string text;
  std::getline(in, text);
  return text;
}

class ReleaseStoreTest : public ::testing::Test {
 protected:
  test::TempDir dir;
  GitRepo repo{dir.path() + "/app"};
  ReleaseStore store{dir.path() + "/root", {BOSUN_AGENT_BIN}};
};

TEST_F(ReleaseStoreTest, FetchResolveAndCheckOut) {
  const std::string v1 = repo.commit("app.txt", "version 1", "v1");
  repo.git({"tag", "v1"});
  const std::string v2 = repo.commit("app.txt", "version 2", "v2");
  store.fetch(repo.path());
  EXPECT_EQ(store.resolve("main"), v2);
  EXPECT_EQ(store.resolve("v1"), v1);
  EXPECT_EQ(store.resolve(v1.substr(0, 7)), v1);
  const Release release = store.checkout("v1");
  EXPECT_TRUE(std::regex_match(release.id, std::regex(R"(\d{8}T\d{9}Z-[0-9a-f]{8})")))
      << release.id;
  EXPECT_EQ(release.id.substr(20), v1.substr(0, 8));
  EXPECT_EQ(read(release.path / "app.txt"), "version 1");
  EXPECT_EQ(read(release.path / "REVISION"), v1);
  EXPECT_FALSE(fs::exists(release.path / ".git"));
}

// Releases checked out one after the other list in that order, whatever their commits' hashes:
// deploys within one second were once ordered by hash (prune then kept the wrong good one).
TEST_F(ReleaseStoreTest, ReleasesCheckedOutInOneSecondListInTheirOrder) {
  std::vector<std::string> commits;
  for (int i = 0; i < 6; ++i) {
    commits.push_back(repo.commit("app.txt", "version " + std::to_string(i), "v"));
  }
  store.fetch(repo.path());
  std::vector<std::string> checked_out;
  for (const std::string& commit : commits) {
    checked_out.push_back(store.checkout(commit).commit);
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  std::vector<std::string> listed;
  for (const Release& release : store.list()) {
    listed.push_back(release.commit);
  }
  EXPECT_EQ(listed, checked_out);
}

// An agent killed mid-fetch or mid-checkout leaves libgit2's lock files in the mirror; the
// next deploy must not fail on them ("the index is locked").
TEST_F(ReleaseStoreTest, LocksLeftByAKilledAgentDoNotBlockTheNextDeploy) {
  const std::string v1 = repo.commit("app.txt", "version 1", "v1");
  store.fetch(repo.path());
  std::ofstream(store.mirror_path() / "index.lock") << "";
  std::ofstream(store.mirror_path() / "packed-refs.lock") << "";
  fs::create_directories(store.mirror_path() / "refs" / "heads");
  std::ofstream(store.mirror_path() / "refs" / "heads" / "main.lock") << "";
  const std::string v2 = repo.commit("app.txt", "version 2", "v2");
  store.fetch(repo.path());
  EXPECT_EQ(store.resolve("main"), v2);
  std::ofstream(store.mirror_path() / "index.lock") << "";
  EXPECT_EQ(read(store.checkout(v1).path / "app.txt"), "version 1");
  EXPECT_FALSE(fs::exists(store.mirror_path() / "index.lock"));
}

TEST_F(ReleaseStoreTest, FetchPicksUpNewCommitsAndFileUrls) {
  repo.commit("a.txt", "1", "first");
  store.fetch("file://" + repo.path());
  const std::string second = repo.commit("a.txt", "2", "second");
  EXPECT_NE(store.resolve("main"), second);
  store.fetch("file://" + repo.path());
  EXPECT_EQ(store.resolve("main"), second);
}

TEST_F(ReleaseStoreTest, SwitchesCurrentAtomicallyByRelativeLink) {
  repo.commit("a.txt", "1", "first");
  store.fetch(repo.path());
  const Release first = store.checkout("main");
  const Release second = store.checkout("main");  // same commit, distinct directory
  EXPECT_NE(first.id, second.id);
  store.switch_current(first);
  store.switch_current(second);
  const auto live = store.current();
  ASSERT_TRUE(live.has_value());
  EXPECT_EQ(live->id, second.id);
  EXPECT_EQ(fs::read_symlink(dir.path() + "/root/current"), fs::path("releases") / second.id);
  EXPECT_EQ(read(fs::path(dir.path()) / "root/current/a.txt"), "1");
  const auto all = store.list();
  ASSERT_EQ(all.size(), 2U);
  EXPECT_FALSE(all[0].current);
  EXPECT_TRUE(all[1].current);
}

TEST_F(ReleaseStoreTest, PruneNeverRemovesCurrentOrProtected) {
  repo.commit("a.txt", "1", "first");
  store.fetch(repo.path());
  std::vector<Release> releases;
  for (int i = 0; i < 5; ++i) {
    releases.push_back(store.checkout("main"));
  }
  store.switch_current(releases[0]);  // oldest is live (after a rollback, say)
  const auto removed = store.prune(2, {releases[1].id});
  EXPECT_EQ(removed, (std::vector<std::string>{releases[2].id, releases[3].id, releases[4].id}));
  const auto left = store.list();
  ASSERT_EQ(left.size(), 2U);
  EXPECT_EQ(left[0].id, releases[0].id);
  EXPECT_EQ(left[1].id, releases[1].id);
  EXPECT_THROW(store.discard(releases[0]), std::runtime_error);
  store.discard(releases[1]);
  EXPECT_EQ(store.list().size(), 1U);
}

TEST_F(ReleaseStoreTest, ErrorsNameWhatIsWrong) {
  repo.commit("a.txt", "1", "first");
  try {
    store.resolve("main");
    FAIL() << "no mirror yet";
  } catch (const std::runtime_error& error) {
    EXPECT_NE(std::string(error.what()).find("fetch first"), std::string::npos) << error.what();
  }
  store.fetch(repo.path());
  try {
    store.resolve("no-such-branch");
    FAIL();
  } catch (const std::runtime_error& error) {
    EXPECT_NE(std::string(error.what()).find("unknown ref \"no-such-branch\""), std::string::npos)
        << error.what();
  }
  ReleaseStore elsewhere(dir.path() + "/other-root", {BOSUN_AGENT_BIN});
  EXPECT_THROW(elsewhere.fetch(dir.path() + "/does-not-exist"), std::runtime_error);
}

TEST_F(ReleaseStoreTest, SharedPathsLinkIntoShared) {
  repo.commit("data", "a file the repository had", "first");
  store.fetch(repo.path());
  const Release one = store.checkout("main");
  store.link_shared(one, {"data", ".env", "public/uploads"});
  EXPECT_TRUE(fs::is_symlink(one.path / "data"));
  EXPECT_TRUE(fs::is_directory(dir.path() + "/root/shared/data"));
  EXPECT_TRUE(fs::is_regular_file(dir.path() + "/root/shared/.env"));
  std::ofstream(one.path / "data" / "app.db") << "rows";
  const Release two = store.checkout("main");
  store.link_shared(two, {"data", ".env", "public/uploads"});
  EXPECT_EQ(read(two.path / "data" / "app.db"), "rows");  // state survives the release
  EXPECT_TRUE(fs::is_symlink(two.path / "public" / "uploads"));
}

TEST_F(ReleaseStoreTest, ReleasesCommandListsThem) {
  const std::string sha = repo.commit("a.txt", "1", "first");
  store.fetch(repo.path());
  const Release release = store.checkout("main");
  store.switch_current(release);
  std::ostringstream out;
  std::ostringstream err;
  EXPECT_EQ(run_agent_cli({"releases", "--root", dir.path() + "/root"}, out, err), 0) << err.str();
  EXPECT_NE(out.str().find(release.id), std::string::npos) << out.str();
  EXPECT_NE(out.str().find(sha.substr(0, 12)), std::string::npos) << out.str();
  std::ostringstream json;
  EXPECT_EQ(run_agent_cli({"releases", "--json", "--root", dir.path() + "/root"}, json, err), 0);
  EXPECT_NE(json.str().find("\"current\":true"), std::string::npos) << json.str();
  std::ostringstream none;
  EXPECT_EQ(run_agent_cli({"releases"}, none, err), 2);
}

}  // namespace
}  // namespace bosun::agent
