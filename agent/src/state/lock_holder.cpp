#include "state/lock_holder.hpp"

#include "state/journal.hpp"

namespace bosun::agent::state {

LockHolder::LockHolder(std::string state_db) : m_lock(std::move(state_db)) {}

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

void LockHolder::renew_loop() {
  std::unique_lock guard(m_mutex);
  while (!m_wake.wait_for(guard, k_renew_every, [this] { return m_stop; })) {
    const std::int64_t now = now_unix_ms();
    m_mine.expires_unix_ms = now + k_ttl.count();
    try {
      m_lock.acquire(m_mine, false, now);
    } catch (const std::exception&) {
      // state.db busy for longer than its timeout: the next renewal tries again
    }
  }
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
