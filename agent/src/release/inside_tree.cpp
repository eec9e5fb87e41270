#include "release/inside_tree.hpp"

#include <sys/stat.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>

namespace bosun::agent::release {

namespace fs = std::filesystem;

bool is_symlink_at(const fs::path& path, std::string& target) {
  std::error_code error;
  if (!fs::is_symlink(fs::symlink_status(path, error))) {
    return false;
  }
  target = fs::read_symlink(path, error).string();
  return true;
}

fs::path make_parents_inside(const fs::path& base, const fs::path& relative,
                             const std::string& what) {
  if (relative.empty() || relative.is_absolute()) {
    throw std::runtime_error(what + ": " + relative.string() + " is not a relative path");
  }
  for (const fs::path& part : relative) {
    if (part == "..") {
      throw std::runtime_error(what + ": " + relative.string() + " leaves its folder (..)");
    }
  }
  fs::path current = base;
  fs::path walked;
  const fs::path parents = relative.parent_path();
  for (const fs::path& part : parents) {
    current /= part;
    walked /= part;
    struct stat info {};
    if (::lstat(current.c_str(), &info) != 0) {
      if (errno != ENOENT || (::mkdir(current.c_str(), 0755) != 0 && errno != EEXIST)) {
        throw std::runtime_error(what + ": cannot make " + current.string() + ": " +
                                 std::strerror(errno));
      }
      ::chmod(current.c_str(), 0755);  // not the agent's umask: the services go through it
      continue;
    }
    if (S_ISLNK(info.st_mode)) {
      std::string target;
      is_symlink_at(current, target);
      throw std::runtime_error(what + ": " + walked.string() + " is a symlink (to " + target +
                               "); a path bosun links or creates must not go through one");
    }
    if (!S_ISDIR(info.st_mode)) {
      throw std::runtime_error(what + ": " + walked.string() + " is a file, not a folder");
    }
  }
  return base / relative;
}

}  // namespace bosun::agent::release
