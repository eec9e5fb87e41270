#pragma once
// The agent's own output file, when it has one: a user-mode agent (no systemd) runs with
// stdout and stderr appended to ROOT/agent.log. Rotated by size like a service's log, so that
// an agent left running for years does not fill the disk with it.

#include <cstdint>

namespace bosun::agent::sys {

// When stdout is a regular file larger than `max_bytes`: it becomes FILE.1 (FILE.1 becomes
// FILE.2 ... up to `keep`), and stdout and stderr continue in a new FILE. Nothing otherwise
// (a terminal, a pipe, journald's socket). True when it rotated.
bool rotate_own_output(std::uint64_t max_bytes, int keep);

}  // namespace bosun::agent::sys
