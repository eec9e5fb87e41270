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

class Journal final : public JournalWriter {
 public:
  explicit Journal(const std::string& path);  // creates the table when missing
  ~Journal();
  Journal(const Journal&) = delete;
  Journal& operator=(const Journal&) = delete;

  // Never throws: a journal that cannot be written must not stop supervision.
  void record(const std::string& service, const std::string& kind,
              const std::string& detail) override;
  std::vector<JournalEvent> since(std::int64_t unix_ms, std::size_t limit);

 private:
  std::mutex m_mutex;
  sqlite3* m_db = nullptr;
};

std::int64_t now_unix_ms();

}  // namespace bosun::agent::state
