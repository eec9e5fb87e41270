#pragma once
// Whether a running process is the release's: its working directory, its program, its
// arguments or its environment point into the release directory. Verify uses it to prove
// that what runs after "deployed" is the release that was deployed, not an older one.

#include <sys/types.h>

#include <optional>
#include <string>

namespace bosun::agent::release {

// nullopt when `pid` runs from `release_dir`; otherwise one line of evidence naming where it
// runs from instead (its cwd and program as /proc shows them).
std::optional<std::string> runs_outside_release(pid_t pid, const std::string& release_dir);

}  // namespace bosun::agent::release
