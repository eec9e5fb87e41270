#pragma once
// The hosts a command acts on: a stage of the manifest (or --hosts), each with how to reach it
// and where the app lives there. Pure: tested without SSH.

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include <tl/expected.hpp>
#include "bosun/manifest/model.hpp"
#include "transport/ssh_transport.hpp"

namespace bosun::controller::host {

struct HostTarget {
  std::string name;    // as written in the stage: "ecs-1.example.com", "deploy@10.0.0.5:2222"
  bool local = false;  // "localhost" / "local": no SSH
  transport::SshSettings ssh;  // when not local
  std::string address;         // ${host}: the address connected to (an ssh config alias resolved)
  std::string root;            // the app's root on the host, variables expanded
  std::string agent;           // the bosun-agent binary there
};

struct TargetOptions {
  std::string stage;               // empty: the only stage, else an error listing them
  std::vector<std::string> hosts;  // --hosts: a subset of the stage (or ad hoc hosts)
  bool accept_new_host_keys = false;
  // The address a host's SSH settings lead to (SshTransport::address_of); empty: the host as
  // written.
  std::function<std::string(const transport::SshSettings&)> address_of;
  // The user's own SSH files (--ssh-config, --known-hosts): they win over the manifest's.
  std::string ssh_config{};
  std::string known_hosts{};
  // Where the manifest is: the files it names inside it come from the repository
  // (host/manifest_ssh_files.hpp), used only when trusted.
  std::string project_dir{};
  bool trust_manifest_ssh = false;
};

// Resolves the hosts of a stage with their SSH settings (manifest `ssh`, then the stage's,
// then user@host:port in the host entry) and roots (${app}, ${host}, ${stage} expanded).
tl::expected<std::vector<HostTarget>, std::string> resolve_targets(
    const manifest::Manifest& manifest, const TargetOptions& options);

// The stage that resolve_targets would use.
tl::expected<const manifest::Stage*, std::string> pick_stage(const manifest::Manifest& manifest,
                                                             const std::string& wanted);

}  // namespace bosun::controller::host
