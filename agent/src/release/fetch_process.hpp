#pragma once
// The fetch in a process of its own (`bosun-agent fetch-mirror MIRROR`), watched for progress:
// libgit2 cannot cancel a read that blocks, so a server that stops answering would hold the
// deploy (and its lock) for ever. The child reports each move of the transfer on its stdout;
// when nothing moves for `stall`, the agent kills it and the fetch fails, saying so. The
// credentials reach the child on its stdin, never its arguments or environment.

#include <chrono>
#include <filesystem>
#include <iosfwd>
#include <string>
#include <vector>

#include "release/release_types.hpp"

namespace bosun::agent::release {

struct FetchLimits {
  std::string program = "/proc/self/exe";  // a bosun-agent: the daemon execs itself
  std::chrono::milliseconds stall{120'000};
};

// Throws std::runtime_error with the child's message (libgit2's), or the stall.
void fetch_in_child(const FetchLimits& limits, const std::filesystem::path& mirror,
                    const std::string& repository, const FetchCredentials& credentials);

// The child: `fetch-mirror MIRROR`, the request on stdin (repository, deploy key, token, user,
// each ended by a NUL byte). Exit 0 when fetched; 1 with the reason on stderr.
int fetch_mirror_command(const std::vector<std::string>& args, std::ostream& out,
                         std::ostream& err);

}  // namespace bosun::agent::release
