#pragma once
// Paths inside a tree that a repository supplied, made and replaced without following
// symlinks: a committed `data -> /some/victim` must not turn `shared: [data/important]` into
// the deletion of /some/victim/important. Every component is looked at with lstat; a symlink
// or a file where a folder is needed is refused, naming it.

#include <filesystem>
#include <string>

namespace bosun::agent::release {

// Creates the folders between `base` and `base / relative` (not the last component itself),
// each a real folder, and returns `base / relative`. `relative` must not be absolute or contain
// "..". Throws std::runtime_error that starts with `what` and names the offending component.
std::filesystem::path make_parents_inside(const std::filesystem::path& base,
                                          const std::filesystem::path& relative,
                                          const std::string& what);

// Whether `path` is a symlink (not followed); what it points to in `target`.
bool is_symlink_at(const std::filesystem::path& path, std::string& target);

}  // namespace bosun::agent::release
