#pragma once
// A host's releases as its agent lists them (`bosun-agent releases --json`).

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace bosun::controller::host {

struct ReleaseEntry {
  std::string id;
  std::string commit;
  std::string state;  // good, failed, ...
  bool current = false;
  std::optional<std::int64_t> verified_unix_ms;
  std::string restored_backup;  // a database restore while it was live: what it cost
};

// Throws std::exception when `json` is not such a list.
std::vector<ReleaseEntry> parse_release_list(const std::string& json);

}  // namespace bosun::controller::host
