#pragma once
// Whom a fetch trusts: the server's TLS certificate or SSH host key is checked by an explicit
// callback, never by whatever the library version does by default. libgit2 before 1.4.5, and
// 1.5.0, accepted any SSH host key when no callback was set (CVE-2023-22742); 1.4.5+ and
// 1.5.1+ check ~/.ssh/known_hosts themselves, which the callback defers to.

#include <string>

namespace bosun::agent::release {

// Whether this libgit2 (major.minor.revision) checks SSH host keys against known_hosts.
bool libgit2_checks_ssh_host_keys(int major, int minor, int revision);

// Why a fetch of `url` must not run with the libgit2 this agent has, or "" when it may: an
// SSH URL (ssh://, user@host:path) with a libgit2 that does not check host keys.
std::string fetch_refusal(const std::string& url, int major, int minor, int revision);

}  // namespace bosun::agent::release
