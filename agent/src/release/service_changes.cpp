#include "release/service_changes.hpp"

#include <algorithm>

namespace bosun::agent::release {
namespace {

const std::string k_placeholder = "${release}";

std::string normalize(std::string text, const std::string& release_dir) {
  if (release_dir.empty()) {
    return text;
  }
  for (std::size_t at = text.find(release_dir); at != std::string::npos;
       at = text.find(release_dir, at + k_placeholder.size())) {
    text.replace(at, release_dir.size(), k_placeholder);
  }
  return text;
}

// What decides whether a running process must be replaced, with the release directory
// abstracted away so that a new release alone does not count as a new definition.
struct Definition {
  std::vector<std::string> argv;
  std::vector<std::string> env;
  std::string cwd;
  std::string user;
  std::string nofile;
  std::string listen;  // the socket's address: a new one needs a new instance

  bool operator==(const Definition&) const = default;
};

Definition definition_of(const supervise::ServiceSpec& spec, const std::string& release_dir) {
  Definition definition;
  for (const std::string& word : spec.argv) {
    definition.argv.push_back(normalize(word, release_dir));
  }
  for (const std::string& entry : spec.env_list()) {
    definition.env.push_back(normalize(entry, release_dir));
  }
  definition.cwd = normalize(spec.cwd, release_dir);
  definition.user = spec.user;
  definition.nofile = spec.nofile ? std::to_string(*spec.nofile) : "";
  definition.listen = spec.listen ? spec.listen->address() : "";
  return definition;
}

bool mentions_release(const std::string& text) {
  return text.find(k_placeholder) != std::string::npos;
}

// True when the service can depend on the release: it works in the release (the default
// working directory, so `[python3, server.py]` or `[node, app.js]` read their code from
// there), runs a shell line, or names the release in its arguments or environment.
bool runs_release_content(const Definition& definition) {
  if (definition.argv.empty()) {
    return false;
  }
  const std::string& program = definition.argv.front();
  if (program == "/bin/sh" && definition.argv.size() > 1 && definition.argv[1] == "-c") {
    return true;
  }
  return mentions_release(definition.cwd) ||
         std::any_of(definition.argv.begin(), definition.argv.end(), mentions_release) ||
         std::any_of(definition.env.begin(), definition.env.end(), mentions_release);
}

}  // namespace

bool runs_from_release(const supervise::ServiceSpec& spec, const std::string& release_dir) {
  return runs_release_content(definition_of(spec, release_dir));
}

std::vector<std::string> RestartPlan::restarted() const {
  std::vector<std::string> names;
  for (const ServiceChange& change : services) {
    if (change.mode != supervise::UpdateMode::in_place) {
      names.push_back(change.name);
    }
  }
  return names;
}

RestartPlan plan_restarts(const ReleaseSide& live, const ReleaseSide& next,
                          const std::vector<std::string>& started_early) {
  RestartPlan plan;
  const std::vector<supervise::ServiceSpec> none;
  const std::vector<supervise::ServiceSpec>& live_specs =
      live.specs != nullptr ? *live.specs : none;
  const std::vector<supervise::ServiceSpec>& next_specs =
      next.specs != nullptr ? *next.specs : none;
  // The same commit in another directory restarts them too: a process left working in the
  // old directory would keep running from a release that prune later deletes.
  const bool content_changed = live.commit != next.commit;
  const bool moved = content_changed || live.release_dir != next.release_dir;
  // Services the agent runs from a manifest outside any release (`run -c app.yaml`) are
  // replaced by the first release's, whatever their definition.
  const bool live_outside_releases = live.commit.empty();
  for (const supervise::ServiceSpec& spec : next_specs) {
    ServiceChange change;
    change.name = spec.name;
    const auto old =
        std::find_if(live_specs.begin(), live_specs.end(),
                     [&](const supervise::ServiceSpec& s) { return s.name == spec.name; });
    // A hand-over is an overlap start on the agent's socket instead of SO_REUSEPORT.
    const supervise::UpdateMode replace = spec.deploy == manifest::DeployMode::restart
                                              ? supervise::UpdateMode::restart
                                              : supervise::UpdateMode::overlap;
    const Definition wanted = definition_of(spec, next.release_dir);
    change.from_release = runs_release_content(wanted);
    if (std::find(started_early.begin(), started_early.end(), spec.name) != started_early.end()) {
      change.mode = supervise::UpdateMode::in_place;
      change.why = "started before the migration";
    } else if (old == live_specs.end()) {
      change.mode = replace;
      change.why = "new service";
    } else if (live_outside_releases) {
      change.mode = replace;
      change.why = "running outside any release";
    } else if (!(definition_of(*old, live.release_dir) == wanted)) {
      change.mode = replace;
      change.why = "definition changed";
    } else if (moved && change.from_release) {
      change.mode = replace;
      change.why = content_changed ? "release content changed" : "new release directory";
    } else {
      change.mode = supervise::UpdateMode::in_place;
      change.why = "unchanged";
    }
    plan.services.push_back(std::move(change));
  }
  for (const supervise::ServiceSpec& spec : live_specs) {
    const bool kept =
        std::any_of(next_specs.begin(), next_specs.end(),
                    [&](const supervise::ServiceSpec& s) { return s.name == spec.name; });
    if (!kept) {
      plan.removed.push_back(spec.name);
    }
  }
  return plan;
}

}  // namespace bosun::agent::release
