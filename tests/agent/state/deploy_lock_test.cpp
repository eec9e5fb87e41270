// The deploy lock on a real state.db, shared by separate connections as processes would.

#include <sstream>
#include <thread>

#include <gtest/gtest.h>

#include "agent_namespaces.hpp"
#include "bosun/agent/agent_cli.hpp"
#include "child_process.hpp"
#include "state/deploy_lock.hpp"
#include "state/journal.hpp"
#include "state/lock_holder.hpp"

namespace bosun::agent {
namespace {

constexpr std::int64_t k_now = 1'800'000'000'000;

TEST(DeployLock, OneHolderAtATime) {
  test::TempDir dir;
  DeployLock lock(dir.path() + "/state.db");
  EXPECT_FALSE(lock.status().has_value());
  const LockOutcome alice =
      lock.acquire({"alice@laptop", "deploy v2", 0, k_now + 60'000}, false, k_now);
  EXPECT_TRUE(alice.acquired);
  EXPECT_FALSE(alice.took_over);
  const LockOutcome bob =
      lock.acquire({"ci-812", "deploy v3", 0, k_now + 60'000}, false, k_now + 1000);
  EXPECT_FALSE(bob.acquired);
  ASSERT_TRUE(bob.previous.has_value());
  EXPECT_EQ(bob.previous->holder, "alice@laptop");
  EXPECT_EQ(describe_lock(*bob.previous, k_now + 61'000 - 60'000),
            "held by alice@laptop for 1s (\"deploy v2\"), expires in 59s");
  EXPECT_FALSE(lock.release("ci-812", false));
  EXPECT_TRUE(lock.release("alice@laptop", false));
  EXPECT_TRUE(
      lock.acquire({"ci-812", "deploy v3", 0, k_now + 60'000}, false, k_now + 2000).acquired);
}

TEST(DeployLock, HolderRenewsAndExpiredLocksAreTakenOver) {
  test::TempDir dir;
  DeployLock lock(dir.path() + "/state.db");
  lock.acquire({"alice", "", 0, k_now + 10'000}, false, k_now);
  const LockOutcome renewed = lock.acquire({"alice", "", 0, k_now + 70'000}, false, k_now + 5'000);
  EXPECT_TRUE(renewed.acquired);
  EXPECT_FALSE(renewed.took_over);
  EXPECT_EQ(lock.status()->acquired_unix_ms, k_now);  // renewing keeps the original time
  EXPECT_EQ(lock.status()->expires_unix_ms, k_now + 70'000);
  EXPECT_FALSE(lock.acquire({"bob", "", 0, k_now + 100'000}, false, k_now + 69'000).acquired);
  const LockOutcome takeover = lock.acquire({"bob", "", 0, k_now + 200'000}, false, k_now + 71'000);
  EXPECT_TRUE(takeover.acquired);
  EXPECT_TRUE(takeover.took_over);
  EXPECT_EQ(takeover.previous->holder, "alice");
  EXPECT_TRUE(
      lock.acquire({"carol", "", 0, k_now + 300'000}, /*force=*/true, k_now + 72'000).took_over);
}

TEST(DeployLock, CommandLine) {
  test::TempDir dir;
  const auto run = [&](const std::vector<std::string>& args, std::string& output) {
    std::vector<std::string> full{"lock"};
    full.insert(full.end(), args.begin(), args.end());
    full.push_back("--root");
    full.push_back(dir.path());
    std::ostringstream out;
    std::ostringstream err;
    const int code = run_agent_cli(full, out, err);
    output = out.str() + err.str();
    return code;
  };
  std::string output;
  EXPECT_EQ(run({"status"}, output), 0);
  EXPECT_EQ(output, "unlocked\n");
  EXPECT_EQ(run({"acquire", "--holder", "alice", "-m", "deploy v2"}, output), 0) << output;
  EXPECT_EQ(run({"acquire", "--holder", "bob"}, output), 1);
  EXPECT_NE(output.find("locked, held by alice for 0s (\"deploy v2\")"), std::string::npos)
      << output;
  EXPECT_EQ(run({"release", "--holder", "bob"}, output), 1);
  EXPECT_NE(output.find("not yours to release"), std::string::npos) << output;
  // bob waits; alice releases meanwhile.
  std::thread release([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
    std::string ignored;
    run({"release", "--holder", "alice"}, ignored);
  });
  EXPECT_EQ(run({"acquire", "--holder", "bob", "--wait", "5s"}, output), 0) << output;
  release.join();
  EXPECT_EQ(run({"status", "--json"}, output), 0);
  EXPECT_NE(output.find("\"holder\":\"bob\""), std::string::npos) << output;
  EXPECT_EQ(run({"acquire", "--holder", "carol", "--force"}, output), 0);
  EXPECT_NE(output.find("took over the lock"), std::string::npos) << output;
  EXPECT_EQ(run({"grab"}, output), 2);
  EXPECT_EQ(run({"acquire", "--ttl", "soon"}, output), 2);
}

// A run's lock, taken over by someone else (`lock acquire --force`), is lost: said at once,
// never renewed back from its new holder, and left to it at the end.
TEST(LockHolder, ALockTakenOverIsLostAndLeftToItsNewHolder) {
  test::TempDir dir;
  const std::string db = dir.path() + "/state.db";
  state::LockHolder mine(db, std::chrono::milliseconds(20));
  std::string note;
  ASSERT_EQ(mine.acquire("alice@laptop", "deploy v2", std::chrono::milliseconds(0), note), "");
  std::this_thread::sleep_for(std::chrono::milliseconds(100));  // a few renewals
  EXPECT_EQ(mine.lost(), "") << "a lock renewed by its holder is not lost";
  DeployLock other(db);
  const auto now = state::now_unix_ms();
  ASSERT_TRUE(other.acquire({"bob@desk", "hotfix", 0, now + 60'000}, true, now).acquired);
  const std::string lost = mine.lost();
  EXPECT_NE(lost.find("the deploy lock was taken over: held by bob@desk"), std::string::npos)
      << lost;
  EXPECT_NE(lost.find("\"hotfix\""), std::string::npos) << lost;
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  EXPECT_EQ(other.status()->holder, "bob@desk") << "renewals must not take it back";
  mine.release();
  ASSERT_TRUE(other.status().has_value()) << "released from under its new holder";
  EXPECT_EQ(other.status()->holder, "bob@desk");
}

// The renewal thread notices on its own too, without anyone asking.
TEST(LockHolder, TheRenewalNoticesATakeover) {
  test::TempDir dir;
  const std::string db = dir.path() + "/state.db";
  state::LockHolder mine(db, std::chrono::milliseconds(20));
  std::string note;
  ASSERT_EQ(mine.acquire("alice@laptop", "deploy v2", std::chrono::milliseconds(0), note), "");
  DeployLock other(db);
  const auto now = state::now_unix_ms();
  ASSERT_TRUE(other.acquire({"bob@desk", "hotfix", 0, now + 60'000}, true, now).acquired);
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  // Bob gives it back; the lost run must still not think it holds the lock.
  ASSERT_TRUE(other.release("bob@desk", false));
  EXPECT_NE(mine.lost(), "") << "the renewal saw bob's lock and must remember it";
}

}  // namespace
}  // namespace bosun::agent
