#include "bosun/checks/host_checks.hpp"

#include <pwd.h>
#include <sys/stat.h>

#include <openssl/asn1.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>

#include "bosun/common/byte_size.hpp"
#include "bosun/common/text.hpp"
#include "capture.hpp"
#include "cert_expiry.hpp"
#include "make_result.hpp"

namespace bosun::checks {
namespace {

using detail::Clock;

std::string lower(std::string text) {
  std::transform(text.begin(), text.end(), text.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return text;
}

bool looks_like_placeholder(const std::string& value) {
  const std::string v = lower(std::string(trim(value)));
  for (const char* word : {"changeme", "change-me", "change_me", "replace-me", "replaceme", "todo",
                           "secret", "password", "xxx", "placeholder", "example"}) {
    if (v == word) {
      return true;
    }
  }
  return v.starts_with("your-") || v.starts_with("your_") ||
         (v.starts_with("<") && v.ends_with(">")) || v.find("changeme") != std::string::npos;
}

// Socket inodes listening on `port`, from /proc/net/tcp and tcp6 (state 0A = LISTEN).
std::vector<std::string> listening_inodes(std::uint16_t port) {
  std::vector<std::string> inodes;
  for (const char* table : {"/proc/net/tcp", "/proc/net/tcp6"}) {
    std::ifstream in(table);
    std::string line;
    std::getline(in, line);  // header
    while (std::getline(in, line)) {
      std::istringstream fields(line);
      std::string slot, local, remote, state, queues, timer, retransmits, uid, timeout, inode;
      fields >> slot >> local >> remote >> state >> queues >> timer >> retransmits >> uid >>
          timeout >> inode;
      const std::size_t colon = local.rfind(':');
      if (state != "0A" || colon == std::string::npos) {
        continue;
      }
      if (std::stoul(local.substr(colon + 1), nullptr, 16) == port) {
        inodes.push_back(inode);
      }
    }
  }
  return inodes;
}

}  // namespace

CheckResult check_tool_version(const std::string& tool, const VersionConstraint& constraint,
                               const std::map<std::string, std::string>& env) {
  const auto start = Clock::now();
  for (const char* flag : {"--version", "-v", "-V", "version"}) {
    const detail::Captured run =
        detail::capture_command({tool, flag}, env, "", std::chrono::seconds(5));
    if (!run.started || run.exit_code == 127) {
      return detail::make_result(Status::fail, tool + " is not installed (not found in PATH)",
                                 "install " + tool + " (" + constraint.text() + ")", start);
    }
    if (run.timed_out) {
      continue;
    }
    if (const auto version = Version::find_in(run.output)) {
      if (constraint.satisfied_by(*version)) {
        return detail::make_result(Status::pass, tool + " " + version->to_string(), "", start);
      }
      return detail::make_result(
          Status::fail,
          tool + " " + version->to_string() + " does not satisfy " + constraint.text(),
          "install " + tool + " " + constraint.text(), start);
    }
  }
  return detail::make_result(Status::warn, "could not read a version from " + tool,
                             "check it by hand: " + tool + " --version", start);
}

std::string fingerprint(const std::string& value, const std::string& salt) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  const std::string input = salt + "\n" + value;
  EVP_Digest(input.data(), input.size(), digest, &length, EVP_sha256(), nullptr);
  static const char* hex = "0123456789abcdef";
  std::string text = "sha256:";
  for (unsigned int i = 0; i < 4 && i < length; ++i) {
    text += hex[digest[i] >> 4];
    text += hex[digest[i] & 15];
  }
  return text;
}

CheckResult check_env_var(const std::string& name, const std::map<std::string, std::string>& env,
                          std::size_t min_length) {
  const auto start = Clock::now();
  const auto found = env.find(name);
  if (found == env.end()) {
    return detail::make_result(Status::fail, name + " is not set",
                               "set " + name + " (secrets go in .bosun/secrets)", start);
  }
  const std::string& value = found->second;
  const std::string shape =
      "length " + std::to_string(value.size()) + ", " + fingerprint(value, name);
  if (value.empty()) {
    return detail::make_result(Status::fail, name + " is empty", "give " + name + " a value",
                               start);
  }
  if (looks_like_placeholder(value)) {
    return detail::make_result(Status::fail, name + " looks like a placeholder (" + shape + ")",
                               "replace the example value of " + name + " with a real one", start);
  }
  if (value.size() < min_length) {
    return detail::make_result(
        Status::fail,
        name + " is too short (" + shape + "; at least " + std::to_string(min_length) + ")",
        "use a longer value for " + name, start);
  }
  return detail::make_result(Status::pass, name + " is set (" + shape + ")", "", start);
}

namespace {

// The container a process runs in: its id from /proc/PID/cgroup (docker's and podman's
// cgroups name it), and its name as the engine reports it when it answers.
std::string container_of(int pid) {
  std::ifstream cgroup("/proc/" + std::to_string(pid) + "/cgroup");
  std::string line;
  std::string id;
  while (id.empty() && std::getline(cgroup, line)) {
    for (std::size_t at = 0; at + 64 <= line.size(); ++at) {
      if (std::all_of(line.begin() + static_cast<std::ptrdiff_t>(at),
                      line.begin() + static_cast<std::ptrdiff_t>(at + 64),
                      [](char c) { return std::isxdigit(static_cast<unsigned char>(c)) != 0; })) {
        id = line.substr(at, 64);
        break;
      }
    }
  }
  if (id.empty()) {
    return "";
  }
  std::map<std::string, std::string> env{{"PATH", "/usr/local/bin:/usr/bin:/bin"}};
  for (const char* name : {"DOCKER_HOST", "HOME"}) {
    if (const char* value = std::getenv(name)) {
      env[name] = value;
    }
  }
  const detail::Captured named = detail::capture_command(
      {"docker", "inspect", "--format", "{{.Name}}", id}, env, "", std::chrono::seconds(5));
  std::string name = named.exit_code == 0 ? std::string(trim(named.output)) : "";
  if (name.starts_with("/")) {
    name = name.substr(1);
  }
  return name.empty() ? "container " + id.substr(0, 12) : name;
}

// bosun-APP-SERVICE-PID: the container of the instance whose engine CLI is PID.
bool own_container(const std::string& name, const std::vector<int>& own_pids) {
  const std::size_t dash = name.rfind('-');
  if (!name.starts_with("bosun-") || dash == std::string::npos) {
    return false;
  }
  const int pid = std::atoi(name.c_str() + dash + 1);
  return std::find(own_pids.begin(), own_pids.end(), pid) != own_pids.end();
}

}  // namespace

std::optional<PortHolder> port_holder(std::uint16_t port) {
  const auto inodes = listening_inodes(port);
  if (inodes.empty()) {
    return std::nullopt;
  }
  std::error_code error;
  for (const auto& process : std::filesystem::directory_iterator("/proc", error)) {
    const std::string pid_text = process.path().filename().string();
    if (pid_text.find_first_not_of("0123456789") != std::string::npos) {
      continue;
    }
    std::error_code fd_error;
    for (const auto& fd : std::filesystem::directory_iterator(process.path() / "fd", fd_error)) {
      std::error_code link_error;
      const std::string target = std::filesystem::read_symlink(fd.path(), link_error).string();
      for (const std::string& inode : inodes) {
        if (!link_error && target == "socket:[" + inode + "]") {
          std::ifstream comm(process.path() / "comm");
          PortHolder holder{std::stoi(pid_text), "", ""};
          std::getline(comm, holder.command);
          holder.container = container_of(holder.pid);
          return holder;
        }
      }
    }
  }
  return PortHolder{0, "unknown (owned by another user)", ""};
}

CheckResult check_port_free(std::uint16_t port, const std::vector<int>& own_pids) {
  const auto start = Clock::now();
  const auto holder = port_holder(port);
  if (!holder) {
    return detail::make_result(Status::pass, "port " + std::to_string(port) + " is free", "",
                               start);
  }
  if (std::find(own_pids.begin(), own_pids.end(), holder->pid) != own_pids.end() ||
      own_container(holder->container, own_pids)) {
    return detail::make_result(Status::pass,
                               "port " + std::to_string(port) + " is held by the app's own " +
                                   holder->command + " (pid " + std::to_string(holder->pid) + ")",
                               "", start);
  }
  return detail::make_result(
      Status::fail,
      "port " + std::to_string(port) + " is taken by " +
          (holder->container.empty() ? "" : "the container " + holder->container + ": ") +
          holder->command + (holder->pid > 0 ? " (pid " + std::to_string(holder->pid) + ")" : ""),
      "stop what holds port " + std::to_string(port) + " or change the app's port", start);
}

CheckResult check_disk_free(const std::string& path, std::uint64_t at_least_bytes) {
  const auto start = Clock::now();
  std::filesystem::path probe = path;
  while (!probe.empty() && !std::filesystem::exists(probe)) {
    probe = probe.parent_path();  // the directory may not exist yet: measure where it would be
  }
  struct statvfs stats {};
  if (probe.empty() || ::statvfs(probe.c_str(), &stats) != 0) {
    return detail::make_result(Status::fail, "cannot measure free space at " + path,
                               "check the path", start);
  }
  const std::uint64_t free_bytes = static_cast<std::uint64_t>(stats.f_bavail) * stats.f_frsize;
  const std::string observed = format_byte_size(free_bytes) + " free at " + probe.string();
  if (free_bytes < at_least_bytes) {
    return detail::make_result(Status::fail,
                               observed + " (needs " + format_byte_size(at_least_bytes) + ")",
                               "free disk space: old releases, logs, backups", start);
  }
  return detail::make_result(Status::pass, observed, "", start);
}

CheckResult check_memory(std::uint64_t at_least_bytes) {
  const auto start = Clock::now();
  std::ifstream in("/proc/meminfo");
  std::string key;
  std::uint64_t kib = 0;
  std::string unit;
  while (in >> key >> kib >> unit) {
    if (key == "MemAvailable:") {
      const std::uint64_t available = kib * 1024;
      const std::string observed = format_byte_size(available) + " available";
      if (available < at_least_bytes) {
        return detail::make_result(Status::fail,
                                   observed + " (needs " + format_byte_size(at_least_bytes) + ")",
                                   "stop what uses memory, or use a larger host", start);
      }
      return detail::make_result(Status::pass, observed, "", start);
    }
  }
  return detail::make_result(Status::warn, "cannot read MemAvailable from /proc/meminfo", "",
                             start);
}

CheckResult check_file_exists(const std::string& path) {
  const auto start = Clock::now();
  std::error_code error;
  if (!std::filesystem::exists(path, error)) {
    return detail::make_result(Status::fail, path + " does not exist",
                               "create " + path + " or fix the path", start);
  }
  return detail::make_result(Status::pass, path + " exists", "", start);
}

CheckResult check_file(const std::string& path, std::optional<int> mode, const std::string& owner) {
  const auto start = Clock::now();
  struct stat info {};
  if (::stat(path.c_str(), &info) != 0) {
    return detail::make_result(Status::fail, path + " does not exist",
                               "create " + path + " or fix the path", start);
  }
  char have[8];
  std::snprintf(have, sizeof have, "%04o", static_cast<unsigned>(info.st_mode & 07777));
  const passwd* user = ::getpwuid(info.st_uid);
  const std::string owned_by = user != nullptr ? user->pw_name : std::to_string(info.st_uid);
  const std::string observed = path + " mode " + have + ", owner " + owned_by;
  if (mode && static_cast<int>(info.st_mode & 07777) != *mode) {
    char want[8];
    std::snprintf(want, sizeof want, "%04o", static_cast<unsigned>(*mode));
    return detail::make_result(Status::fail, observed + " (expected mode " + want + ")",
                               std::string("chmod ") + want + " " + path, start);
  }
  if (!owner.empty() && owned_by != owner) {
    return detail::make_result(Status::fail, observed + " (expected owner " + owner + ")",
                               "chown " + owner + " " + path, start);
  }
  return detail::make_result(Status::pass, observed, "", start);
}

CheckResult check_certificate_file(const std::string& pem_path, int warn_days) {
  const auto start = detail::Clock::now();
  FILE* file = std::fopen(pem_path.c_str(), "r");
  if (file == nullptr) {
    return detail::make_result(Status::fail, "cannot read " + pem_path,
                               "check the certificate's path", start);
  }
  X509* certificate = PEM_read_X509(file, nullptr, nullptr, nullptr);
  std::fclose(file);
  if (certificate == nullptr) {
    return detail::make_result(Status::fail, pem_path + " holds no PEM certificate",
                               "check the file", start);
  }
  CheckResult result = detail::expiry_result(certificate, pem_path, warn_days, start);
  X509_free(certificate);
  return result;
}

CheckResult check_load(double warn_per_core, double fail_per_core,
                       const std::string& loadavg_path) {
  const auto start = detail::Clock::now();
  std::ifstream in(loadavg_path);
  double one = 0;
  double five = 0;
  if (!(in >> one >> five)) {
    return detail::make_result(Status::warn, "cannot read " + loadavg_path, "", start);
  }
  const long cores = std::max(1L, ::sysconf(_SC_NPROCESSORS_ONLN));
  const double per_core = five / static_cast<double>(cores);
  char observed[96];
  std::snprintf(observed, sizeof observed, "load %.2f over 5 min on %ld core(s) (%.2f per core)",
                five, cores, per_core);
  if (per_core > fail_per_core) {
    return detail::make_result(Status::fail, observed,
                               "find what keeps the CPU busy (top), or add cores", start);
  }
  if (per_core > warn_per_core) {
    return detail::make_result(Status::warn, observed, "watch the load; requests may queue", start);
  }
  return detail::make_result(Status::pass, observed, "", start);
}

CheckResult check_log_errors(const std::string& log_path, const std::vector<std::string>& patterns,
                             std::size_t last_lines, std::size_t fail_at) {
  const auto start = detail::Clock::now();
  std::ifstream in(log_path, std::ios::binary);
  if (!in) {
    return detail::make_result(Status::warn, "no log at " + log_path, "", start);
  }
  // Keep only the last `last_lines` lines while reading: logs can be large.
  std::vector<std::string> window;
  std::size_t next = 0;
  std::string line;
  while (std::getline(in, line)) {
    if (window.size() < last_lines) {
      window.push_back(line);
    } else if (last_lines > 0) {
      window[next] = line;
      next = (next + 1) % last_lines;
    }
  }
  std::rotate(window.begin(), window.begin() + static_cast<std::ptrdiff_t>(next), window.end());
  std::size_t matches = 0;
  std::string newest;
  for (const std::string& entry : window) {
    for (const std::string& pattern : patterns) {
      if (entry.find(pattern) != std::string::npos) {
        ++matches;
        newest = entry;
        break;
      }
    }
  }
  const std::string scope =
      " in the last " + std::to_string(window.size()) + " lines of " + log_path;
  if (matches == 0) {
    return detail::make_result(Status::pass, "no " + join(patterns, "/") + scope, "", start);
  }
  const std::string observed = std::to_string(matches) + " line(s) with " + join(patterns, "/") +
                               scope + ", newest: " + quote_for_message(newest);
  return detail::make_result(matches >= fail_at ? Status::fail : Status::warn, observed,
                             "read the log around those lines", start);
}

std::optional<OsRelease> read_os_release(const std::string& path) {
  std::ifstream in(path);
  if (!in) {
    return std::nullopt;
  }
  OsRelease os;
  std::string line;
  while (std::getline(in, line)) {
    const std::size_t equals = line.find('=');
    if (equals == std::string::npos) {
      continue;
    }
    std::string value = line.substr(equals + 1);
    if (value.size() >= 2 && (value.front() == '"' || value.front() == '\'')) {
      value = value.substr(1, value.size() - 2);
    }
    const std::string key = line.substr(0, equals);
    if (key == "ID") {
      os.id = value;
    } else if (key == "VERSION_ID") {
      os.version = value;
    } else if (key == "PRETTY_NAME") {
      os.pretty = value;
    }
  }
  return os;
}

CheckResult check_os(const std::vector<std::string>& ids,
                     const std::optional<VersionConstraint>& version,
                     const std::string& os_release_path) {
  const auto start = Clock::now();
  const auto os = read_os_release(os_release_path);
  if (!os) {
    return detail::make_result(Status::fail, "cannot read " + os_release_path, "", start);
  }
  const std::string observed = os->pretty.empty() ? os->id + " " + os->version : os->pretty;
  if (!ids.empty() && std::find(ids.begin(), ids.end(), os->id) == ids.end()) {
    return detail::make_result(Status::fail, observed + " (needs " + join(ids, " or ") + ")",
                               "use a supported OS", start);
  }
  if (version) {
    const auto parsed = Version::parse(os->version);
    if (!parsed || !version->satisfied_by(*parsed)) {
      return detail::make_result(Status::fail,
                                 observed + " (needs version " + version->text() + ")",
                                 "upgrade the OS", start);
    }
  }
  return detail::make_result(Status::pass, observed, "", start);
}

}  // namespace bosun::checks
