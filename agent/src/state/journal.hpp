#pragma once
// The agent's journal in state.db (SQLite, WAL): service state changes, exits with their
// status, restarts and probe results, for `bosun-agent events` and post-mortems.

#include <cstdint>
#include <mutex>
#include <string>
#include <vector>

struct sqlite3;

namespace bosun::agent::state {

struct JournalEvent {
  std::int64_t id = 0;
  std::int64_t unix_ms = 0;
  std::string service;  // empty for agent-wide events
  std::string kind;     // e.g. started, ready, exited, restarting, crash-loop, adopted
  std::string detail;
};

// Where supervision writes what happened to a service (the Journal below; a recording fake in
// the unit tests).
class JournalWriter {
 public:
  virtual ~JournalWriter() = default;
  virtual void record(const std::string& service, const std::string& kind,
                      const std::string& detail) = 0;
};

// Events kept by default: months of a busy host (a deploy writes a few dozen).
inline constexpr std::size_t k_events_kept = 100'000;

class Journal final : public JournalWriter {
 public:
  // Creates the table when missing. Keeps the newest `keep` events: older ones are deleted at
  // open and then every `keep / 10` events (at most every 1,000), so the table stays bounded
  // on a host that runs for years.
  explicit Journal(const std::string& path, std::size_t keep = k_events_kept);
  ~Journal();
  Journal(const Journal&) = delete;
  Journal& operator=(const Journal&) = delete;

  // Never throws: a journal that cannot be written must not stop supervision.
  void record(const std::string& service, const std::string& kind,
              const std::string& detail) override;
  std::vector<JournalEvent> since(std::int64_t unix_ms, std::size_t limit);

 private:
  void drop_old_events();  // with m_mutex held

  std::mutex m_mutex;
  sqlite3* m_db = nullptr;
  std::size_t m_keep;
  std::size_t m_since_drop = 0;
};

std::int64_t now_unix_ms();

}  // namespace bosun::agent::state
