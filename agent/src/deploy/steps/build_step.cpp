#include "deploy/steps/build_step.hpp"

#include <fstream>

#include "bosun/common/text.hpp"
#include "container/image_build.hpp"
#include "deploy/run_places.hpp"
#include "deploy/steps/builtin_steps.hpp"
#include "deploy/steps/dependency_install.hpp"

namespace bosun::agent::deploy::steps {

namespace {

// Keeps what an install did; false (with the failure recorded) when it failed.
bool record_install(const InstallOutcome& install, BuildOutcome& outcome) {
  if (!install.succeeded) {
    outcome.failed_command = install.failed;
    outcome.last = install.last;
    return false;
  }
  outcome.installed.push_back(install.done);
  return true;
}

}  // namespace

BuildOutcome run_build(const manifest::Build& build, const BuildSite& site) {
  BuildOutcome outcome;
  outcome.log_path = site.log_path;
  const auto deadline = std::chrono::steady_clock::now() + build.timeout;
  const InstallSite installs{site.release_dir, site.previous_dir, site.cache_dir, site.env,
                             site.log_path,    site.pid_record,   deadline,       site.user};
  if (build.python) {
    InstallOutcome python = install_python(*build.python, installs);
    if (!record_install(python, outcome)) {
      return outcome;
    }
  }
  if (build.node) {
    InstallOutcome node = install_node(*build.node, installs);
    if (!record_install(node, outcome)) {
      return outcome;
    }
  }
  for (const manifest::Command& command : build.commands) {
    const std::vector<std::string> argv = command_argv(command, site.variables);
    const std::string written =
        command.uses_shell() ? "sh: " + command.shell : join(command.argv, " ");
    // Every command gets what is left of the whole build's timeout.
    outcome.last = run_build_command(argv, written, site.env, installs);
    if (!outcome.last.succeeded()) {
      outcome.failed_command = written;
      return outcome;
    }
  }
  outcome.succeeded = true;
  return outcome;
}

namespace {

bool has_image_builds(const manifest::Manifest& manifest) {
  for (const manifest::Service& service : manifest.services) {
    if (service.container && service.container->build) {
      return true;
    }
  }
  return false;
}

// build: the target's dependency installs and build commands in its directory, then its
// container images, within the step's timeout (else the manifest's), into RELEASE.build.log.
class BuildStep final : public DeployStep {
 public:
  bool needs_target() const override { return true; }
  StepResult run(RunContext& run, const PlannedStep& step) const override {
    if (auto skipped = only_in_a_deploy(run)) {
      return *skipped;
    }
    const release::ReleaseApp& next = *run.state.target;
    manifest::Build build = next.manifest.build;
    if (step.definition.timeout) {
      build.timeout = *step.definition.timeout;
    }
    const bool images = has_image_builds(next.manifest);
    if (build.empty() && !images) {
      return StepResult::skipped("no build commands");
    }
    if (const std::string missing = container::missing_build_inputs(next.manifest, next.dir);
        !missing.empty()) {
      return StepResult::failed(missing.substr(0, missing.size() - 1));
    }
    const release::AgentSettings& settings = run.services.settings;
    const std::string log = run_log(settings, next.id, "build");
    const BuildSite site{next.dir,
                         next.env,
                         log,
                         next.variables,
                         step_record(settings),
                         run.state.from.dir,
                         (settings.layout.root / "cache").string(),
                         next.manifest.steps_user()};
    const BuildOutcome outcome = run_build(build, site);  // nothing to do when it is empty
    if (!outcome.succeeded) {
      return StepResult::failed("build command `" + outcome.failed_command + "` " +
                                    outcome.last.describe() + " (log: " + log + ")",
                                log_evidence(log));
    }
    std::string done = join(outcome.installed, "; ");
    if (images) {
      const container::ImageBuildOutcome built = container::build_images(
          next.manifest,
          {next.id, next.dir, settings.base_env, log, step_record(settings), build.timeout});
      if (!built.succeeded) {
        return StepResult::failed(built.failure + " (log: " + log + ")", log_evidence(log));
      }
      done += (done.empty() ? "" : "; ") + std::string("images ") + join(built.built, ", ");
    }
    return StepResult::ok((done.empty() ? "" : done + "; ") +
                          std::to_string(build.commands.size()) + " command(s), log: " + log);
  }
};

}  // namespace

const DeployStep& build_step() {
  static const BuildStep step;
  return step;
}

}  // namespace bosun::agent::deploy::steps
