// fetch: the repository into the host's mirror and the ref resolved to a commit, with the
// credentials in shared/.env (read now: a deploy key added since the agent started counts).
#include "deploy/run_reporter.hpp"
#include "deploy/steps/builtin_steps.hpp"
#include "state/deploy_journal.hpp"

namespace bosun::agent::deploy::steps {

namespace {

release::FetchCredentials fetch_credentials(const release::AgentSettings& settings) {
  const auto dotenv = read_dotenv_file(settings.layout.env_file().string());
  const auto value = [&](const char* name) {
    const auto it = dotenv.find(name);
    return it == dotenv.end() ? std::string() : it->second;
  };
  return {value("BOSUN_DEPLOY_KEY"), value("BOSUN_GIT_TOKEN"), value("BOSUN_GIT_USER")};
}

class FetchStep final : public DeployStep {
 public:
  StepResult run(RunContext& run, const PlannedStep&) const override {
    if (auto skipped = only_in_a_deploy(run)) {
      return *skipped;
    }
    const std::string repo =
        !run.intent.repo.empty() ? run.intent.repo : run.state.from.manifest.repo;
    if (repo.empty()) {
      return StepResult::failed("no repository: set `repo` in app.yaml or pass --repo");
    }
    run.services.store.fetch(repo, fetch_credentials(run.services.settings));
    run.state.commit = run.services.store.resolve(run.intent.ref);
    run.services.journal.set_commit(run.services.report.run(), run.state.commit);
    return StepResult::ok(run.intent.ref + " is " + run.state.commit.substr(0, 12));
  }
};

}  // namespace

const DeployStep& fetch_step() {
  static const FetchStep step;
  return step;
}

}  // namespace bosun::agent::deploy::steps
