#pragma once
// A service as the agent runs it on this host: the manifest's definition with ${variables}
// expanded, the environment merged and paths made absolute. Pure: tested without processes.

#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "bosun/common/environment.hpp"
#include "bosun/manifest/model.hpp"
#include "core/host_layout.hpp"

namespace bosun::agent::supervise {

// deploy: proxy as this host runs it: the manifest's proxy: with variables expanded and
// defaults filled in.
struct ProxyPlan {
  std::uint16_t first_port = 0;
  std::uint16_t last_port = 0;
  std::string upstream;  // the include file bosun writes
  std::string name;      // the upstream's name in it
  std::vector<std::string> test;
  std::vector<std::string> reload;
  std::chrono::milliseconds drain_timeout{30'000};
  std::string log_path;  // the test's and reload's output
  std::string pid_file;  // nginx's master pid
};

struct ServiceSpec {
  std::string name;
  std::vector<std::string> argv;
  std::map<std::string, std::string> env;
  std::string cwd;
  std::string log_path;
  std::vector<std::string> depends_on;
  std::optional<manifest::ProbeSpec> ready;  // may hold ${pid}: see probe_for_instance
  std::optional<manifest::ProbeSpec> liveness;
  manifest::RestartSpec restart;
  manifest::StopSpec stop;
  manifest::LogSpec logs;
  std::optional<std::uint64_t> nofile;
  std::string user;
  std::vector<std::string> on_crash_loop;  // argv; empty: no hook
  std::string hook_user;                   // who on_crash_loop runs as (Manifest::steps_user)
  manifest::DeployMode deploy = manifest::DeployMode::restart;
  // The socket the agent binds and keeps for the service, passed as fd 3 (LISTEN_FDS=1).
  std::optional<manifest::ListenSpec> listen;
  // deploy: proxy: each instance on a port of its own; "${port}" stays in argv, env and the
  // probes until a start picks the port (see with_port).
  std::optional<ProxyPlan> proxy;
  bool public_ = false;  // may listen beyond loopback (manifest `public: true`)
  // A container service (argv is bosun-agent container-run ...): its engine and the prefix of
  // its containers' names, PREFIX-PID (container/container_names.hpp).
  std::string container_engine;
  std::string container_prefix;

  std::vector<std::string> env_list() const;  // "NAME=value"
};

struct ResolveInputs {
  HostLayout layout;
  std::string release_dir;                      // working directory of services
  std::string host;                             // ${host}
  std::string stage;                            // ${stage}
  std::map<std::string, std::string> base_env;  // PATH, HOME, LANG... from the agent
  std::map<std::string, std::string> dotenv;    // shared/.env: secrets and host settings
};

// The descriptor a service with listen: gets its socket on (systemd's SD_LISTEN_FDS_START).
inline constexpr int k_listen_fd = 3;

// Environment precedence, lowest first: base, manifest env, shared/.env, service env.
// Throws std::runtime_error naming the service and value when a variable cannot be expanded.
std::vector<ServiceSpec> resolve_services(const manifest::Manifest& manifest,
                                          const ResolveInputs& inputs);

// The ${...} values on this host: host, root, shared, release, app, stage.
std::map<std::string, std::string> host_variables(const manifest::Manifest& manifest,
                                                  const ResolveInputs& inputs);
// The environment the app's commands get (build, migrate, hooks): base, manifest env and
// shared/.env, in that precedence. Throws like resolve_services.
std::map<std::string, std::string> resolve_app_env(const manifest::Manifest& manifest,
                                                   const ResolveInputs& inputs);

// A probe with ${pid} replaced by the instance's pid, so that during an overlap start the
// check can tell the new instance's answers from the old one's.
// ${port} too, for an instance of a proxy service (0: none).
manifest::ProbeSpec probe_for_instance(manifest::ProbeSpec probe, int pid, std::uint16_t port = 0);

// The spec of one instance of a proxy service: ${port} filled in in its argv and env.
ServiceSpec with_port(ServiceSpec spec, std::uint16_t port);

// .env files are read with bosun::parse_dotenv / read_dotenv_file (common/environment.hpp).
using bosun::parse_dotenv;
using bosun::read_dotenv_file;

}  // namespace bosun::agent::supervise
