#include "api/access_policy.hpp"

#include <unistd.h>

#include <algorithm>
#include <array>
#include <filesystem>

namespace bosun::agent::api {
namespace {

// What a deployer in --api-group may run over the session socket.
constexpr std::array k_limited_commands{"status", "releases", "ready",   "history",  "events",
                                        "logs",   "lock",     "deploy",  "rollback", "restart",
                                        "start",  "stop",     "version", "metrics"};

// Options that name a file, a socket, a repository or a playbook: the agent's own
// configuration decides those, not a member of the group.
constexpr std::array k_limited_refused_options{"--output", "--config",   "--socket",
                                               "--repo",   "--manifest", "--playbook"};
constexpr std::string_view k_limited_refused_short = "ocs";

std::string option_name(const std::string& arg) {
  return arg.substr(0, arg.find('='));
}

// Symlinks resolved, "." and ".." and a trailing "/" dropped.
std::filesystem::path folder_of(const std::string& path) {
  std::error_code ignored;
  std::filesystem::path folder =
      std::filesystem::weakly_canonical(path, ignored).lexically_normal();
  if (!folder.has_filename() && folder.has_parent_path()) {
    folder = folder.parent_path();
  }
  return folder;
}

bool same_folder(const std::string& a, const std::string& b) {
  return !a.empty() && folder_of(a) == folder_of(b);
}

}  // namespace

PeerAccess AccessPolicy::access_of(const sys::PeerCredentials& peer) const {
  if (peer.uid == 0 || peer.uid == agent_uid) {
    return PeerAccess::full;
  }
  if (group && (peer.gid == *group ||
                std::find(peer.groups.begin(), peer.groups.end(), *group) != peer.groups.end())) {
    return PeerAccess::limited;
  }
  return PeerAccess::refused;
}

std::string AccessPolicy::refusal(const sys::PeerCredentials& peer) const {
  return "uid " + std::to_string(peer.uid) + " may not drive this agent: root, uid " +
         std::to_string(agent_uid) +
         (group ? " and members of group " + group_name + " may" : " (its own user) may") +
         " (bosun-agent run --api-group NAME widens it; docs/SECURITY.md)";
}

AccessPolicy owner_only_policy() {
  AccessPolicy policy;
  policy.agent_uid = ::geteuid();
  return policy;
}

std::string session_refusal(const std::vector<std::string>& args, PeerAccess access,
                            const std::string& root) {
  if (access == PeerAccess::refused) {
    return "this peer may not drive the agent";
  }
  for (std::size_t i = 0; i < args.size(); ++i) {
    const std::string name = option_name(args[i]);
    if (!root.empty() && (name == "--root" || name == "-r")) {
      const std::string value = args[i].find('=') != std::string::npos
                                    ? args[i].substr(args[i].find('=') + 1)
                                    : (i + 1 < args.size() ? args[i + 1] : "");
      if (!same_folder(value, root)) {
        return "--root " + value + ": this agent serves " + root + " only";
      }
    }
  }
  if (access == PeerAccess::full) {
    return "";
  }
  if (std::find(k_limited_commands.begin(), k_limited_commands.end(), args[0]) ==
      k_limited_commands.end()) {
    return "\"" + args[0] + "\" is not open to members of the agent's group";
  }
  for (const std::string& arg : args) {
    const std::string name = option_name(arg);
    const bool long_refused =
        std::find(k_limited_refused_options.begin(), k_limited_refused_options.end(), name) !=
        k_limited_refused_options.end();
    const bool short_refused = arg.size() >= 2 && arg[0] == '-' && arg[1] != '-' &&
                               arg.find_first_of(k_limited_refused_short) != std::string::npos;
    if (long_refused || short_refused) {
      return name +
             ": the agent's own configuration decides the files, sockets, repository "
             "and playbook; a member of its group may not";
    }
  }
  return "";
}

std::string limited_api_refusal(const std::string& method, const std::string& path,
                                const std::map<std::string, std::string>& query) {
  if (method == "POST" && path == "/v1/stop-all") {
    return "stop-all is not open to members of the agent's group";
  }
  if (method == "POST" && path == "/v1/deploys") {
    for (const char* key : {"repo", "manifest", "playbook"}) {
      if (query.count(key) && !query.at(key).empty()) {
        return std::string(key) +
               ": the agent's own configuration decides it; a member of its group may not";
      }
    }
  }
  return "";
}

}  // namespace bosun::agent::api
