#pragma once
// Internal: run a command to completion with a deadline and capture what it prints.

#include <chrono>
#include <map>
#include <string>
#include <vector>

namespace bosun::checks::detail {

struct Captured {
  bool started = false;
  bool timed_out = false;
  int exit_code = -1;  // 128 + signal when killed
  std::string output;  // stdout and stderr, at most 64 KiB
};

// The child gets exactly `env` (callers include PATH when the program is looked up) and its
// own process group, killed as a whole at the deadline.
Captured capture_command(const std::vector<std::string>& argv,
                         const std::map<std::string, std::string>& env, const std::string& cwd,
                         std::chrono::milliseconds timeout);

}  // namespace bosun::checks::detail
