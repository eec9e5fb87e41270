#pragma once
// One deploy or rollback at a time per app on a host. The lock lives in ROOT/state.db, so it
// is shared by every process on the host (agent, CLI, several operators, CI) and changes
// atomically in a SQLite transaction.
//
// Rules: a free lock is taken; the holder may take it again (that renews it); a lock past
// its expiry is taken over, and the takeover is reported; a live lock held by someone else
// is refused with who holds it, since when and why — unless `force`.

#include <cstdint>
#include <optional>
#include <string>

namespace bosun::agent::state {

struct LockInfo {
  std::string holder;   // e.g. "alice@laptop" or "ci-run-812"
  std::string message;  // e.g. "deploy v2.3.1"
  std::int64_t acquired_unix_ms = 0;
  std::int64_t expires_unix_ms = 0;
};

struct LockOutcome {
  bool acquired = false;
  std::optional<LockInfo> previous;  // the lock that was there: refused by, or taken over from
  bool took_over = false;            // an expired (or forced) lock was replaced
};

class DeployLock {
 public:
  explicit DeployLock(std::string state_db);

  // `now_unix_ms` is passed in so that expiry is testable without waiting.
  LockOutcome acquire(const LockInfo& wanted, bool force, std::int64_t now_unix_ms);
  // False when the lock is held by someone else (and not forced) or not held at all.
  bool release(const std::string& holder, bool force);
  std::optional<LockInfo> status();

 private:
  std::string m_path;
};

std::string describe_lock(const LockInfo& lock, std::int64_t now_unix_ms);

}  // namespace bosun::agent::state
