#include "release/release_membership.hpp"

#include <chrono>
#include <thread>

#include <filesystem>
#include <vector>

#include "bosun/common/text_file.hpp"

namespace bosun::agent::release {
namespace {

namespace fs = std::filesystem;

std::string link_target(const std::string& path) {
  std::error_code error;
  const fs::path target = fs::read_symlink(path, error);
  return error ? std::string() : target.string();
}

// NUL-separated words of /proc/PID/cmdline or /proc/PID/environ.
std::vector<std::string> proc_words(const std::string& path) {
  const std::string text = read_text_file(path).value_or("");
  std::vector<std::string> words;
  std::size_t at = 0;
  while (at < text.size()) {
    const std::size_t end = std::min(text.find('\0', at), text.size());
    words.push_back(text.substr(at, end - at));
    at = end + 1;
  }
  return words;
}

bool inside(const std::string& path, const std::string& dir) {
  if (path.size() < dir.size() || path.compare(0, dir.size(), dir) != 0) {
    return false;
  }
  // A deleted directory shows as "DIR (deleted)": that is not the live release.
  return (path.size() == dir.size() || path[dir.size()] == '/') && !path.ends_with(" (deleted)");
}

bool names(const std::string& word, const std::string& dir) {
  for (std::size_t at = word.find(dir); at != std::string::npos; at = word.find(dir, at + 1)) {
    const std::size_t end = at + dir.size();
    if (end == word.size() || word[end] == '/' || word[end] == ':' || word[end] == ' ') {
      return true;
    }
  }
  return false;
}

}  // namespace

std::optional<std::string> runs_outside_release(pid_t pid, const std::string& release_dir) {
  std::error_code error;
  const fs::path canonical = fs::weakly_canonical(release_dir, error);
  const std::string dir = error ? release_dir : canonical.string();
  const std::string proc = "/proc/" + std::to_string(pid);
  std::string cwd = link_target(proc + "/cwd");
  std::string exe = link_target(proc + "/exe");
  // A child this agent forked that has not reached its exec yet is still this program, in the
  // agent's folder (a busy host, a traced agent): wait for the exec, briefly, before judging.
  // (A service that is this program, `bosun-agent database-server`, has its own command line.)
  static const std::string self = link_target("/proc/self/exe");  // read once per process
  static const std::vector<std::string> own_command = proc_words("/proc/self/cmdline");
  const auto not_yet_executed = [&] {
    return !exe.empty() && exe == self && proc_words(proc + "/cmdline") == own_command;
  };
  for (int wait = 0; wait < 200 && not_yet_executed(); ++wait) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
    cwd = link_target(proc + "/cwd");
    exe = link_target(proc + "/exe");
  }
  if (cwd.empty() && exe.empty()) {
    return std::nullopt;  // gone, or not ours to read: nothing to prove either way
  }
  if (inside(cwd, dir) || inside(exe, dir)) {
    return std::nullopt;
  }
  for (const std::string& word : proc_words(proc + "/cmdline")) {
    if (names(word, dir) || names(word, release_dir)) {
      return std::nullopt;
    }
  }
  for (const std::string& entry : proc_words(proc + "/environ")) {
    if (names(entry, dir) || names(entry, release_dir)) {
      return std::nullopt;
    }
  }
  return "pid " + std::to_string(pid) + " runs in " + (cwd.empty() ? "?" : cwd) + " (program " +
         (exe.empty() ? "?" : exe) + "), not from " + dir;
}

}  // namespace bosun::agent::release
