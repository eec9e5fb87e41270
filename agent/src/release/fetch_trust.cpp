#include "release/fetch_trust.hpp"

namespace bosun::agent::release {

bool libgit2_checks_ssh_host_keys(int major, int minor, int revision) {
  if (major != 1) {
    return major > 1;
  }
  if (minor == 4) {
    return revision >= 5;
  }
  if (minor == 5) {
    return revision >= 1;
  }
  return minor > 5;
}

namespace {

bool is_ssh_url(const std::string& url) {
  if (url.starts_with("ssh://") || url.starts_with("git+ssh://") || url.starts_with("ssh+git://")) {
    return true;
  }
  // scp-like: [user@]host:path, not a local path and not another scheme.
  const std::size_t colon = url.find(':');
  const std::size_t slash = url.find('/');
  return colon != std::string::npos && url.find("://") == std::string::npos &&
         (slash == std::string::npos || colon < slash) && !url.starts_with("/") &&
         !url.starts_with(".");
}

}  // namespace

std::string fetch_refusal(const std::string& url, int major, int minor, int revision) {
  if (!is_ssh_url(url) || libgit2_checks_ssh_host_keys(major, minor, revision)) {
    return "";
  }
  return "refusing to fetch " + url + " over SSH: this agent's libgit2 " + std::to_string(major) +
         "." + std::to_string(minor) + "." + std::to_string(revision) +
         " does not check host keys (CVE-2023-22742); use an https:// URL, or build the agent "
         "with libgit2 1.4.5 or 1.5.1 and later";
}

}  // namespace bosun::agent::release
