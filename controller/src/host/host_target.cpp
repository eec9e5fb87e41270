#include "host/host_target.hpp"

#include <algorithm>

#include "bosun/common/suggest.hpp"
#include "bosun/common/text.hpp"
#include "bosun/manifest/variables.hpp"
#include "host/manifest_ssh_files.hpp"

namespace bosun::controller::host {
namespace {

void apply(transport::SshSettings& ssh, const manifest::SshSettings& from) {
  if (!from.user.empty()) {
    ssh.user = from.user;
  }
  if (from.port) {
    ssh.port = from.port;
  }
  if (!from.identity.empty()) {
    ssh.identity = from.identity;
  }
  if (!from.known_hosts.empty()) {
    ssh.known_hosts = from.known_hosts;
  }
  if (!from.proxy_jump.empty()) {
    ssh.proxy_jump = from.proxy_jump;
  }
  if (!from.config.empty()) {
    ssh.config_file = from.config;
  }
  if (from.connect_timeout) {
    ssh.connect_timeout = *from.connect_timeout;
  }
  if (from.keepalive) {
    ssh.keepalive = *from.keepalive;
  }
}

// user@host:port -> its parts (an IPv6 address in brackets keeps its colons).
void split_host(const std::string& entry, transport::SshSettings& ssh) {
  std::string rest = entry;
  if (const std::size_t at = rest.find('@'); at != std::string::npos) {
    ssh.user = rest.substr(0, at);
    rest = rest.substr(at + 1);
  }
  const std::size_t bracket = rest.find(']');
  const std::size_t colon = rest.rfind(':');
  if (colon != std::string::npos && (bracket == std::string::npos || colon > bracket) &&
      rest.find(':') == colon) {
    ssh.port = static_cast<std::uint16_t>(std::stoi(rest.substr(colon + 1)));
    rest = rest.substr(0, colon);
  }
  if (rest.starts_with("[") && rest.ends_with("]")) {
    rest = rest.substr(1, rest.size() - 2);
  }
  ssh.host = rest;
}

bool valid_port_suffix(const std::string& entry) {
  const std::size_t colon = entry.rfind(':');
  if (colon == std::string::npos || entry.find(':') != colon) {
    return true;
  }
  const std::string port = entry.substr(colon + 1);
  return !port.empty() && port.size() <= 5 &&
         port.find_first_not_of("0123456789") == std::string::npos && std::stoi(port) > 0 &&
         std::stoi(port) < 65536;
}

// The user's own file when given, else the manifest's if it may be used: "" or why not.
std::string choose_ssh_file(const std::string& key, const std::string& users, std::string& file,
                            const TargetOptions& options) {
  if (!users.empty()) {
    file = users;
    return "";
  }
  return manifest_ssh_file_refusal(key, file, options.project_dir, options.trust_manifest_ssh);
}

}  // namespace

tl::expected<const manifest::Stage*, std::string> pick_stage(const manifest::Manifest& manifest,
                                                             const std::string& wanted) {
  std::vector<std::string> names;
  for (const manifest::Stage& stage : manifest.stages) {
    names.push_back(stage.name);
  }
  if (wanted.empty()) {
    if (manifest.stages.size() == 1) {
      return &manifest.stages.front();
    }
    if (manifest.stages.empty()) {
      return tl::make_unexpected(std::string(
          "the manifest has no stages: add `stages: {production: {hosts: [...]}}` or pass "
          "--hosts"));
    }
    return tl::make_unexpected("say which stage with -d/--stage: " + join(names, ", "));
  }
  if (const manifest::Stage* stage = manifest.find_stage(wanted)) {
    return stage;
  }
  const auto suggestion = closest_match(wanted, names);
  return tl::make_unexpected(
      "unknown stage \"" + wanted + "\"" +
      (suggestion ? " (did you mean " + *suggestion + "?)" : "; stages: " + join(names, ", ")));
}

tl::expected<std::vector<HostTarget>, std::string> resolve_targets(
    const manifest::Manifest& manifest, const TargetOptions& options) {
  const manifest::Stage* stage = nullptr;
  if (!options.stage.empty() || options.hosts.empty()) {
    auto picked = pick_stage(manifest, options.stage);
    if (!picked) {
      return tl::make_unexpected(picked.error());
    }
    stage = *picked;
  }
  std::vector<std::string> entries = stage != nullptr ? stage->hosts : std::vector<std::string>{};
  if (!options.hosts.empty()) {
    if (stage != nullptr) {
      for (const std::string& host : options.hosts) {
        if (std::find(entries.begin(), entries.end(), host) == entries.end()) {
          return tl::make_unexpected("host \"" + host + "\" is not in stage " + stage->name + ": " +
                                     join(entries, ", "));
        }
      }
    }
    entries = options.hosts;
  }
  if (entries.empty()) {
    return tl::make_unexpected("no hosts to act on");
  }
  std::vector<HostTarget> targets;
  for (const std::string& entry : entries) {
    if (!valid_port_suffix(entry)) {
      return tl::make_unexpected("host \"" + entry + "\": the port must be 1 to 65535");
    }
    HostTarget target;
    target.name = entry;
    target.local = entry == "localhost" || entry == "local";
    apply(target.ssh, manifest.ssh);
    if (stage != nullptr && stage->ssh) {
      apply(target.ssh, *stage->ssh);
    }
    for (const std::string& why :
         {choose_ssh_file("ssh.config", options.ssh_config, target.ssh.config_file, options),
          choose_ssh_file("ssh.known_hosts", options.known_hosts, target.ssh.known_hosts,
                          options)}) {
      if (!why.empty()) {
        return tl::make_unexpected(why);
      }
    }
    split_host(entry, target.ssh);
    target.ssh.accept_new_host_keys = options.accept_new_host_keys;
    target.address =
        !target.local && options.address_of ? options.address_of(target.ssh) : target.ssh.host;
    const std::map<std::string, std::string> variables{
        {"app", manifest.app},
        {"host", target.address},
        {"stage", stage != nullptr ? stage->name : ""},
    };
    const std::string root_template =
        stage != nullptr && !stage->root.empty() ? stage->root : manifest.root;
    auto root = manifest::expand_variables(root_template, variables);
    if (!root) {
      return tl::make_unexpected("root " + quote_for_message(root_template) + ": " + root.error() +
                                 " (only ${app}, ${host} and ${stage} are known on the laptop)");
    }
    target.root = *root;
    target.agent = target.root + "/bin/bosun-agent";
    targets.push_back(std::move(target));
  }
  return targets;
}

}  // namespace bosun::controller::host
