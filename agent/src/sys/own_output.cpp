#include "sys/own_output.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <string>

namespace bosun::agent::sys {

bool rotate_own_output(std::uint64_t max_bytes, int keep) {
  struct stat out {};
  if (::fstat(STDOUT_FILENO, &out) != 0 || !S_ISREG(out.st_mode) ||
      static_cast<std::uint64_t>(out.st_size) <= max_bytes) {
    return false;
  }
  std::error_code error;
  const std::filesystem::path path = std::filesystem::read_symlink("/proc/self/fd/1", error);
  if (error || !path.is_absolute()) {
    return false;
  }
  struct stat err {};
  const bool same_file =
      ::fstat(STDERR_FILENO, &err) == 0 && err.st_ino == out.st_ino && err.st_dev == out.st_dev;
  for (int i = keep - 1; i >= 1; --i) {
    std::filesystem::rename(path.string() + "." + std::to_string(i),
                            path.string() + "." + std::to_string(i + 1), error);
  }
  std::filesystem::rename(path, path.string() + ".1", error);
  if (error) {
    return false;
  }
  const int fresh = ::open(path.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
  if (fresh < 0) {
    return false;  // still writing to the renamed file: nothing lost
  }
  ::dup2(fresh, STDOUT_FILENO);
  if (same_file) {
    ::dup2(fresh, STDERR_FILENO);
  }
  ::close(fresh);
  return true;
}

}  // namespace bosun::agent::sys
