#pragma once
// Service log files: size-based rotation and reading the tail.
//
// Services write straight to shared/logs/<service>.log (O_APPEND) so that logging does not
// depend on the agent. Rotation therefore copies and truncates (like logrotate's
// copytruncate): lines written between the copy and the truncation can be lost; the window
// is the time to copy one file of max_size.

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace bosun::agent::supervise {

// When `path` is larger than `max_size`: shifts path.1 .. path.(keep-1) up by one, copies
// the log to path.1 and truncates it. Returns true when it rotated.
bool rotate_if_larger(const std::string& path, std::uint64_t max_size, int keep);

// Puts the file `retired` into `path`'s rotation as path.1 (shifting path.1 .. up by one, at
// most `keep` kept). For an instance's own file once it is done with (see Supervisor: each
// instance of an overlap start writes to a file of its own).
void add_to_rotation(const std::string& path, const std::string& retired, int keep);

// How much of a log a tail reads at most, and the longest line it returns (a longer one is
// returned by its end, after "[...] "): `logs -n` on a log without newlines stays bounded.
inline constexpr std::int64_t k_tail_read_cap = 8 * 1024 * 1024;
inline constexpr std::size_t k_tail_line_cap = 64 * 1024;

// The last `count` lines (without their newlines), from at most k_tail_read_cap bytes.
std::vector<std::string> tail_lines(const std::string& path, std::size_t count);

std::uint64_t file_size(const std::string& path);

// Text appended after `offset`, at most `limit` bytes; `offset` moves past what was read.
// A file shorter than `offset` (rotated) is read from its start.
std::string read_from(const std::string& path, std::uint64_t& offset, std::size_t limit);

}  // namespace bosun::agent::supervise
