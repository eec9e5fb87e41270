#pragma once
// One release as the agent runs it: its manifest (read from the release's own app.yaml),
// the services resolved for this host, and the environment and ${...} values its commands
// get. The live release is one of these; a deploy loads the next one beside it.

#include <map>
#include <string>
#include <vector>

#include "bosun/manifest/model.hpp"
#include "core/host_layout.hpp"
#include "release/fetch_process.hpp"
#include "supervise/service_spec.hpp"

namespace bosun::agent::release {

// What the agent knows about its host, fixed for its lifetime.
struct AgentSettings {
  HostLayout layout;
  std::string host;
  std::string stage;
  std::map<std::string, std::string> base_env;  // PATH, HOME, LANG... from the agent
  FetchLimits fetch{};                          // how a deploy's fetch runs and when it stalls
};

struct ReleaseApp {
  std::string id;             // release id; empty for a manifest run without any release
  std::string commit;         // empty without a release
  std::string dir;            // where its commands run
  std::string manifest_path;  // app.yaml, relative to `dir` (or absolute without a release)
  manifest::Manifest manifest;
  std::vector<supervise::ServiceSpec> specs;     // in start order
  std::map<std::string, std::string> env;        // for build, migrate and hooks
  std::map<std::string, std::string> variables;  // ${host}, ${release}, ...
};

// Loads the manifest at `dir`/`manifest_path` and resolves it for this host (shared/.env
// included). Throws std::runtime_error with every diagnostic when the manifest is broken.
ReleaseApp load_release_app(const AgentSettings& settings, const std::string& dir,
                            const std::string& manifest_path);

// The standard environment of the agent process that services inherit.
std::map<std::string, std::string> agent_base_env();

}  // namespace bosun::agent::release
