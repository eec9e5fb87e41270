#include "state/lock_holder.hpp"

#include "state/journal.hpp"

namespace bosun::agent::state {

LockHolder::LockHolder(std::string state_db, std::chrono::milliseconds renew_every)
    : m_lock(std::move(state_db)), m_renew_every(renew_every) {}

LockHolder::~LockHolder() {
  release();
}

std::string LockHolder::acquire(const std::string& holder, const std::string& message,
                                std::chrono::milliseconds wait, std::string& note) {
  const auto deadline = std::chrono::steady_clock::now() + wait;
  while (true) {
    const std::int64_t now = now_unix_ms();
    m_mine = {holder, message, now, now + k_ttl.count()};
    const LockOutcome outcome = m_lock.acquire(m_mine, false, now);
    if (outcome.acquired) {
      if (outcome.took_over && outcome.previous) {
        note = "took over an expired lock: " + describe_lock(*outcome.previous, now);
      }
      if (outcome.previous && outcome.previous->holder == holder) {
        m_held_before = outcome.previous;
      }
      m_held = true;
      m_stop = false;
      m_lost.clear();
      m_renewer = std::thread([this] { renew_loop(); });
      return "";
    }
    if (std::chrono::steady_clock::now() >= deadline) {
      return "locked: " + describe_lock(*outcome.previous, now) +
             (wait.count() > 0 ? "" : " (wait for it with --lock-wait DURATION)");
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
}

void LockHolder::note_lost(const LockInfo& holder, std::int64_t now) {
  if (m_lost.empty()) {
    m_lost = "the deploy lock was taken over: " + describe_lock(holder, now);
  }
}

void LockHolder::renew_loop() {
  std::unique_lock guard(m_mutex);
  while (!m_wake.wait_for(guard, m_renew_every, [this] { return m_stop || !m_lost.empty(); })) {
    const std::int64_t now = now_unix_ms();
    try {
      // Renewed only while it is still ours: never taken back from whoever took it over.
      if (const auto holder = m_lock.status(); holder && holder->holder != m_mine.holder) {
        note_lost(*holder, now);
        continue;
      }
      m_mine.expires_unix_ms = now + k_ttl.count();
      const LockOutcome outcome = m_lock.acquire(m_mine, false, now);
      if (!outcome.acquired && outcome.previous) {
        note_lost(*outcome.previous, now);
      }
    } catch (const std::exception&) {
      // state.db busy for longer than its timeout: the next renewal tries again
    }
  }
}

std::string LockHolder::lost() {
  std::lock_guard guard(m_mutex);
  if (!m_held || !m_lost.empty()) {
    return m_lost;
  }
  try {
    if (const auto holder = m_lock.status(); holder && holder->holder != m_mine.holder) {
      note_lost(*holder, now_unix_ms());
    }
  } catch (const std::exception&) {
    // state.db busy: the renewal looks again
  }
  return m_lost;
}

void LockHolder::release() {
  if (!m_held) {
    return;
  }
  {
    std::lock_guard guard(m_mutex);
    m_stop = true;
  }
  m_wake.notify_all();
  m_renewer.join();
  m_held = false;
  if (!m_lost.empty()) {
    return;  // its new holder's now
  }
  try {
    if (m_held_before) {
      LockInfo restored = *m_held_before;
      restored.expires_unix_ms = std::max(restored.expires_unix_ms, now_unix_ms() + k_ttl.count());
      m_lock.acquire(restored, false, now_unix_ms());
    } else {
      m_lock.release(m_mine.holder, false);
    }
  } catch (const std::exception&) {
    // it expires on its own
  }
}

}  // namespace bosun::agent::state
