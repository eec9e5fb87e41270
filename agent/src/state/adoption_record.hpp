#pragma once
// What a new agent needs to adopt a running service: its pid and the process start time
// that tells the pid apart from a reused one. One small file per service under run/.

#include <sys/types.h>

#include <cstdint>
#include <filesystem>
#include <optional>

namespace bosun::agent::state {

struct AdoptionRecord {
  pid_t pid = -1;
  std::uint64_t start_ticks = 0;
  std::uint64_t log_offset = 0;  // where the service's log began at its start
  std::int64_t started_unix_ms = 0;
  std::uint16_t port = 0;  // deploy: proxy: the instance's own port
};

// Written atomically (temp file + rename).
void save_record(const std::filesystem::path& file, const AdoptionRecord& record);
std::optional<AdoptionRecord> load_record(const std::filesystem::path& file);
void remove_record(const std::filesystem::path& file);

}  // namespace bosun::agent::state
