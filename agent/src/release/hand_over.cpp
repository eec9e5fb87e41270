#include "release/hand_over.hpp"

#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>

#include "sys/step_account.hpp"

namespace bosun::agent::release {
namespace {

namespace fs = std::filesystem;

// lchown of one entry (lstat'ed as `info`) when the agent owns it; false otherwise.
bool take_over(const fs::path& path, const struct stat& info, uid_t uid, gid_t gid) {
  if (info.st_uid != ::geteuid()) {
    return false;
  }
  if (::lchown(path.c_str(), uid, gid) != 0) {
    throw std::runtime_error("cannot hand " + path.string() + " over: " + std::strerror(errno));
  }
  return true;
}

}  // namespace

std::size_t hand_over_tree(const fs::path& top, uid_t uid, gid_t gid) {
  std::error_code error;
  struct stat top_info {};
  if (::lstat(top.c_str(), &top_info) != 0 ||
      (top_info.st_uid != ::geteuid() && top_info.st_uid != uid)) {
    return 0;  // gone, or a third account's
  }
  std::size_t changed = take_over(top, top_info, uid, gid) ? 1U : 0U;
  if (!S_ISDIR(top_info.st_mode)) {
    return changed;
  }
  // The default options never follow a directory symlink; a link itself is lchown'ed.
  fs::recursive_directory_iterator walk(top, error), end;
  for (; !error && walk != end; walk.increment(error)) {
    const fs::path path = walk->path();
    struct stat info {};
    if (::lstat(path.c_str(), &info) != 0) {
      continue;  // gone meanwhile
    }
    if (S_ISDIR(info.st_mode) && info.st_uid != ::geteuid() && info.st_uid != uid) {
      walk.disable_recursion_pending();  // a third account's folder: not ours to walk into
    }
    changed += take_over(path, info, uid, gid) ? 1U : 0U;
  }
  if (error) {
    throw std::runtime_error("cannot hand " + top.string() + " over: " + error.message());
  }
  return changed;
}

std::size_t hand_over_to_user(const fs::path& top, const std::string& user) {
  const auto account = sys::switch_account(user);
  if (!account) {
    throw std::runtime_error(account.error());
  }
  return *account ? hand_over_tree(top, (*account)->uid, (*account)->gid) : 0;
}

}  // namespace bosun::agent::release
