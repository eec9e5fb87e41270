#pragma once
// Playbooks: the ordered steps of a deploy (or rollback) on one host, plus the fleet
// strategy the controller applies across hosts. Built-in steps are the agent's (fetch,
// build, migrate, switch, ...); `run:` steps are hooks: a command with its environment,
// working directory and timeout, at any point.

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "bosun/common/duration.hpp"
#include "bosun/manifest/diagnostics.hpp"
#include "bosun/manifest/model.hpp"

namespace bosun::playbook {

enum class StepKind {
  lock,
  fetch,
  checkout,
  build,
  preflight,
  backup,
  migrate,
  switch_release,
  restart,
  verify,
  prune,
  run
};

// The YAML name of a step kind ("switch" for switch_release).
std::string step_kind_name(StepKind kind);
const std::vector<std::string>& builtin_step_names();

enum class OnFailure { abort, continue_on };

struct Step {
  StepKind kind = StepKind::run;
  std::string name;           // the built-in's name, or the hook's given name
  manifest::Command command;  // run steps
  std::vector<manifest::EnvVar> env;
  std::string cwd;                  // run steps; relative to the release
  std::optional<Duration> timeout;  // empty: the step's default
  OnFailure on_failure = OnFailure::abort;
  manifest::Location where;
};

struct Strategy {
  int serial = 1;               // hosts per batch ...
  bool serial_percent = false;  // ... or that percentage of the stage
  int canary = 0;               // first hosts deployed and verified alone
  int max_fail = 0;             // failed hosts tolerated before stopping
  bool rollback_all = true;     // on failure, roll back the hosts already deployed
};

struct Playbook {
  std::string file;
  std::string name;
  Strategy strategy;
  std::vector<Step> steps;

  const Step* find(StepKind kind) const;
};

struct LoadResult {
  std::optional<Playbook> playbook;
  std::vector<manifest::Diagnostic> diagnostics;
  bool ok() const { return playbook.has_value(); }
};

LoadResult parse_playbook(std::string_view yaml_text, const std::string& file_name);
LoadResult load_playbook_file(const std::string& path);

}  // namespace bosun::playbook
