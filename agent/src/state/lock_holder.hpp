#pragma once
// Holds the deploy lock for the length of one deploy or rollback: takes it (waiting up to a
// limit), renews its expiry from a background thread while the run is alive, and gives it
// back at the end. If the agent dies, renewals stop and the lock expires on its own.
// When the holder already held the lock (a controller locks every host before the first
// change), the lock is handed back to it as it was instead of being released.
// Someone else can still take it (`lock acquire --force`, or after it expired while the agent
// was frozen): lost() then says so, the run stops before its next step (deploy/run_loop.cpp),
// and the lock is left to its new holder.

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

#include "state/deploy_lock.hpp"

namespace bosun::agent::state {

class LockHolder {
 public:
  static constexpr std::chrono::milliseconds k_ttl{60'000};
  static constexpr std::chrono::milliseconds k_renew_every{10'000};

  explicit LockHolder(std::string state_db, std::chrono::milliseconds renew_every = k_renew_every);
  ~LockHolder();
  LockHolder(const LockHolder&) = delete;
  LockHolder& operator=(const LockHolder&) = delete;

  // Empty on success; otherwise why not (naming the holder). Notes a takeover in `note`.
  std::string acquire(const std::string& holder, const std::string& message,
                      std::chrono::milliseconds wait, std::string& note);
  void release();
  // Why the lock is no longer this run's ("" while it is, or before acquire): looked up now,
  // so a takeover shows at the next step, not at the next renewal.
  std::string lost();

 private:
  void renew_loop();
  // With m_mutex held: records that `holder` has the lock now.
  void note_lost(const LockInfo& holder, std::int64_t now);

  DeployLock m_lock;
  LockInfo m_mine;
  std::optional<LockInfo> m_held_before;  // the holder's own lock, restored at the end
  bool m_held = false;
  std::mutex m_mutex;
  std::condition_variable m_wake;
  bool m_stop = false;
  std::string m_lost;  // guarded by m_mutex
  std::chrono::milliseconds m_renew_every;
  std::thread m_renewer;
};

}  // namespace bosun::agent::state
