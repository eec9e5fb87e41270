#pragma once
// The project's own history of deploys and rollbacks, in .bosun/history.db beside the
// manifest: which hosts, from and to which commits, results and durations.

#include <cstdint>
#include <string>
#include <vector>

#include "fleet/fleet_run.hpp"

namespace bosun::controller::project {

struct HistoryEntry {
  std::int64_t id = 0;
  std::string kind;  // deploy | rollback
  std::string stage;
  std::string who;
  std::string commit;
  std::int64_t started_unix_ms = 0;
  std::int64_t finished_unix_ms = 0;
  bool ok = false;
  std::string summary;
  std::vector<fleet::HostOutcome> hosts;
};

class HistoryStore {
 public:
  explicit HistoryStore(std::string path);  // creates the file and its directory
  std::int64_t record(const HistoryEntry& entry);
  std::vector<HistoryEntry> recent(std::size_t limit);

 private:
  std::string m_path;
};

}  // namespace bosun::controller::project
