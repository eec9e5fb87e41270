#include "cli/controller_context.hpp"

#include <unistd.h>

#include <cstdlib>
#include <filesystem>

#include "bosun/common/environment.hpp"
#include "bosun/manifest/diagnostics.hpp"
#include "bosun/manifest/loader.hpp"
#include "host/host_target.hpp"

namespace bosun::controller::cli {

void GlobalOptions::add_to(bosun::cli::ArgParser& parser) {
  parser.option("config", 'c', "FILE", "the app manifest (default: app.yaml)", config)
      .option("stage", 'd', "STAGE", "the stage of hosts (default: the only one)", stage)
      .option("hosts", 0, "LIST", "only these hosts (comma-separated)", hosts)
      .flag("json", 0, "machine-readable output (JSON)", json)
      .flag("no-color", 0, "no colour (NO_COLOR is honoured too)", no_color)
      .counter("verbose", 'v', "more detail", verbose)
      .flag("accept-new-host-keys", 0,
            "record the key of a host seen for the first time (a changed key is still refused)",
            accept_new_host_keys)
      .option("ssh-config", 0, "FILE", "your OpenSSH client config (instead of ~/.ssh/config)",
              ssh_config)
      .option("known-hosts", 0, "FILE", "your known_hosts (instead of ~/.ssh/known_hosts)",
              known_hosts)
      .flag("trust-manifest-ssh", 0,
            "use an ssh.config or ssh.known_hosts the manifest names inside the project (a "
            "config from the repository still never runs a command)",
            trust_manifest_ssh);
}

std::vector<std::string> split_list(const std::string& text) {
  std::vector<std::string> items;
  std::size_t start = 0;
  while (start <= text.size()) {
    const std::size_t comma = std::min(text.find(',', start), text.size());
    if (comma > start) {
      items.push_back(text.substr(start, comma - start));
    }
    start = comma + 1;
  }
  return items;
}

std::optional<ControllerContext> ControllerContext::open(const GlobalOptions& options,
                                                         const std::string& command,
                                                         std::ostream& err) {
  ControllerContext context;
  context.m_options = options;
  if (!std::filesystem::exists(options.config)) {
    err << command << ": no manifest at " << options.config
        << " (pass -c FILE, or create one with `bosun init`)\n";
    return std::nullopt;
  }
  const manifest::LoadResult loaded = manifest::load_manifest_file(options.config);
  if (!loaded.ok()) {
    err << manifest::format_diagnostics(loaded.diagnostics);
    return std::nullopt;
  }
  context.m_manifest = *loaded.manifest;
  host::TargetOptions targeting;
  targeting.stage = options.stage;
  targeting.hosts = split_list(options.hosts);
  targeting.accept_new_host_keys = options.accept_new_host_keys;
  targeting.ssh_config = options.ssh_config;
  targeting.known_hosts = options.known_hosts;
  targeting.project_dir = context.project_dir();
  targeting.trust_manifest_ssh = options.trust_manifest_ssh;
  targeting.address_of = &transport::SshTransport::address_of;
  const auto targets = host::resolve_targets(context.m_manifest, targeting);
  if (!targets) {
    err << command << ": " << targets.error() << "\n";
    return std::nullopt;
  }
  const std::string local_agent = host::sibling_agent_binary();
  for (const host::HostTarget& target : *targets) {
    context.m_hosts.emplace_back(target, local_agent);
  }
  return context;
}

std::string ControllerContext::stage_name() const {
  if (!m_options.stage.empty()) {
    return m_options.stage;
  }
  return m_manifest.stages.size() == 1 ? m_manifest.stages.front().name : "";
}

std::optional<std::map<std::string, std::string>> ControllerContext::read_secrets(
    const std::string& command, std::ostream& err) const {
  const std::string path = project_dir() + "/.bosun/secrets";
  try {
    return read_dotenv_file(path);
  } catch (const std::exception& error) {
    err << command << ": " << path << ": " << error.what() << "\n";
    return std::nullopt;
  }
}

std::string ControllerContext::project_dir() const {
  return std::filesystem::absolute(m_options.config).parent_path().string();
}

std::string ControllerContext::who() {
  if (const char* who = std::getenv("BOSUN_WHO"); who != nullptr && *who != '\0') {
    return who;
  }
  return user_at_host();
}

}  // namespace bosun::controller::cli
