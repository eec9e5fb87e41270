#pragma once
// Finding a program the way a shell would, but in a given PATH rather than the caller's:
// execvpe() searches the caller's own PATH, which is wrong when a service or check has its
// own environment.

#include <string>

namespace bosun {

// `name` itself when it contains a '/'; else the first executable `dir/name` for the dirs of
// `path_list` (colon-separated); else `name` unchanged (exec then fails with 127).
std::string find_program(const std::string& name, const std::string& path_list);

}  // namespace bosun
