#include "host/manifest_ssh_files.hpp"

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <filesystem>
#include <sstream>

#include "bosun/common/text_file.hpp"

namespace bosun::controller::host {
namespace {

namespace fs = std::filesystem;

std::string lower(std::string text) {
  std::transform(text.begin(), text.end(), text.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return text;
}

// `file` as libssh would open it (`~` is the user's home), symlinks resolved.
fs::path resolved(const std::string& file, const std::string& project_dir) {
  fs::path path = file;
  if (file.starts_with("~/")) {
    const char* home = std::getenv("HOME");
    path = fs::path(home != nullptr ? home : "") / file.substr(2);
  } else if (path.is_relative()) {
    path = fs::path(project_dir) / path;
  }
  std::error_code ignored;
  return fs::weakly_canonical(path, ignored);
}

bool inside(const fs::path& path, const fs::path& folder) {
  const auto [end, unused] = std::mismatch(folder.begin(), folder.end(), path.begin(), path.end());
  return end == folder.end();
}

}  // namespace

std::optional<std::string> command_directive_in(const std::string& config_text) {
  std::istringstream lines(config_text);
  std::string line;
  for (int number = 1; std::getline(lines, line); ++number) {
    std::istringstream words(line);
    std::string keyword;
    std::string argument;
    words >> keyword >> argument;
    keyword = lower(keyword.substr(0, keyword.find('=')));
    const bool runs = keyword == "proxycommand" || keyword == "localcommand" ||
                      keyword == "knownhostscommand" ||
                      (keyword == "match" && lower(line).find("exec") != std::string::npos);
    if (runs) {
      return std::to_string(number) + ": " + line;
    }
  }
  return std::nullopt;
}

std::string manifest_ssh_file_refusal(const std::string& key, const std::string& file,
                                      const std::string& project_dir, bool trusted) {
  if (file.empty() || project_dir.empty()) {
    return "";  // nothing named, or no project to come from
  }
  const fs::path path = resolved(file, project_dir);
  std::error_code ignored;
  if (!inside(path, fs::weakly_canonical(project_dir, ignored))) {
    return "";  // the machine's own file, not the repository's
  }
  if (!trusted) {
    return key + " " + file +
           " is inside the project, so the repository supplies it: a config could run a "
           "command on this machine and a known_hosts could accept a forged host key. Name "
           "your own with --ssh-config FILE / --known-hosts FILE (or ~/.ssh), or pass "
           "--trust-manifest-ssh once you have read it";
  }
  if (key.ends_with("config")) {
    if (const auto directive = command_directive_in(read_text_file(path.string()).value_or(""))) {
      return key + " " + file + " line " + *directive +
             ": a config file from the repository never runs a command on this machine, "
             "trusted or not; move that line to your own ~/.ssh/config";
    }
  }
  return "";
}

}  // namespace bosun::controller::host
