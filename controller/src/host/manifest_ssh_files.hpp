#pragma once
// The SSH files a manifest names (`ssh.config`, `ssh.known_hosts`, top level or per stage),
// checked before they reach libssh. A file inside the project comes with the repository, and
// whoever can commit could otherwise run a command on the laptop (a ProxyCommand, during a
// plain `bosun status`) or pin a man-in-the-middle's host key. So such a file is used only with
// the user's explicit --trust-manifest-ssh, and a config file from the repository never runs a
// command, trusted or not. Files outside the project are the machine's own. Pure but for
// reading the config file.

#include <optional>
#include <string>

namespace bosun::controller::host {

// "" when `file`, named by the manifest's `key`, may be used; otherwise why not, with what to do.
std::string manifest_ssh_file_refusal(const std::string& key, const std::string& file,
                                      const std::string& project_dir, bool trusted);

// The first line of an OpenSSH client config that runs a command on this machine
// (ProxyCommand, LocalCommand, KnownHostsCommand, Match exec), as "LINE: TEXT".
std::optional<std::string> command_directive_in(const std::string& config_text);

}  // namespace bosun::controller::host
