#pragma once
// Checks of the host itself — the ones behind a manifest's `requires` (deploy preflight and
// gap analysis): tool versions, environment variables, free ports, disk, memory, files and
// the OS. Each returns what it saw as evidence and, for failures, an action.

#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "bosun/checks/check_runner.hpp"
#include "bosun/common/version.hpp"

namespace bosun::checks {

// Runs `tool --version` (then `-v`, `-V`, `version`) and compares the first version it
// prints with the constraint.
CheckResult check_tool_version(const std::string& tool, const VersionConstraint& constraint,
                               const std::map<std::string, std::string>& env);

// Present, non-empty, at least `min_length` long, and not a placeholder ("changeme",
// "your-...", "<...>", "xxx"). The value itself never appears in the evidence: only its
// length and a short salted hash, so two hosts can be compared without leaking it.
CheckResult check_env_var(const std::string& name, const std::map<std::string, std::string>& env,
                          std::size_t min_length = 1);
// "sha256:1a2b3c4d" of salt + value: equal values give equal fingerprints, nothing more.
std::string fingerprint(const std::string& value, const std::string& salt);

struct PortHolder {
  int pid = 0;
  std::string command;
  std::string container;  // the container it runs in ("/shop-web-1", else its id), if any
};
// Who listens on TCP `port` (any local address), from /proc; nullopt when nobody does.
// pid 0 when the socket's owner is not visible to this user.
std::optional<PortHolder> port_holder(std::uint16_t port);
// Passes when the port is free, or when one of `own_pids` holds it (the app's own service,
// or the container bosun-APP-SERVICE-PID of one: own_pids has its engine CLI's pid).
CheckResult check_port_free(std::uint16_t port, const std::vector<int>& own_pids = {});

CheckResult check_disk_free(const std::string& path, std::uint64_t at_least_bytes);
CheckResult check_memory(std::uint64_t at_least_bytes);  // MemAvailable
CheckResult check_file_exists(const std::string& path);
// Exists and, when given, has exactly `mode` as permission bits and belongs to `owner`.
CheckResult check_file(const std::string& path, std::optional<int> mode, const std::string& owner);

// Days until the first certificate in a PEM file expires: pass above `warn_days`, warn at or
// below it, fail when expired or unreadable.
CheckResult check_certificate_file(const std::string& pem_path, int warn_days = 14);
// The same for the certificate a TLS endpoint presents (the chain is not verified: this is
// about expiry; SNI is sent with `host`).
CheckResult check_certificate_endpoint(const std::string& host, std::uint16_t port,
                                       std::chrono::milliseconds timeout, int warn_days = 14);

// The 5-minute load average per core: pass up to `warn_per_core`, warn up to
// `fail_per_core`, fail above.
CheckResult check_load(double warn_per_core = 1.0, double fail_per_core = 2.0,
                       const std::string& loadavg_path = "/proc/loadavg");

// Counts lines containing any of `patterns` (case-sensitive) among the last `last_lines` of a
// log: pass at zero, warn up to `fail_at - 1`, fail from `fail_at`. The evidence quotes the
// newest matching line.
CheckResult check_log_errors(const std::string& log_path, const std::vector<std::string>& patterns,
                             std::size_t last_lines = 500, std::size_t fail_at = 5);

struct OsRelease {
  std::string id;       // e.g. ubuntu, debian
  std::string version;  // VERSION_ID, e.g. 22.04
  std::string pretty;   // PRETTY_NAME
};
std::optional<OsRelease> read_os_release(const std::string& path = "/etc/os-release");
CheckResult check_os(const std::vector<std::string>& ids,
                     const std::optional<VersionConstraint>& version,
                     const std::string& os_release_path = "/etc/os-release");

}  // namespace bosun::checks
