#include "deploy/run_places.hpp"

#include <filesystem>

#include "database/engine.hpp"

#include "release/service_changes.hpp"
#include "state/release_ledger.hpp"
#include "supervise/log_files.hpp"

namespace bosun::agent::deploy {

namespace {

constexpr std::size_t k_evidence_lines = 15;

}  // namespace

std::string step_record(const release::AgentSettings& settings) {
  return (settings.layout.run_dir() / "step.pid").string();
}

std::string run_log(const release::AgentSettings& settings, const std::string& release,
                    const std::string& what) {
  const std::filesystem::path dir = settings.layout.logs() / "deploys";
  std::filesystem::create_directories(dir);
  return (dir / (release + "." + what + ".log")).string();
}

std::string backup_path(const release::AgentSettings& settings, const std::string& release,
                        manifest::DatabaseKind kind) {
  return (settings.layout.root / "backups" /
          (release + "." + database::engine_for(kind).backup_extension()))
      .string();
}

database::CommandSite command_site(const release::AgentSettings& settings,
                                   const release::ReleaseApp& app, const std::string& log) {
  return {app.dir, app.env, app.variables, log, step_record(settings), app.manifest.steps_user()};
}

VerifySettings verify_settings(const release::ReleaseApp& app,
                               std::optional<std::chrono::milliseconds> window) {
  VerifySettings verify;
  for (const manifest::CheckSpec& check : app.manifest.verify.checks) {
    verify.checks.push_back(expand_check(check, app.variables));
  }
  verify.timeout = app.manifest.verify.timeout;
  verify.window = window ? *window : std::chrono::milliseconds(app.manifest.verify.window);
  verify.env = app.env;
  verify.cwd = app.dir;
  if (!app.id.empty()) {
    verify.release_dir = app.dir;
    for (const supervise::ServiceSpec& spec : app.specs) {
      if (release::runs_from_release(spec, app.dir)) {
        verify.release_services.push_back(spec.name);
      }
    }
  }
  return verify;
}

release::ReleaseApp load_recorded_release(const release::AgentSettings& settings,
                                          state::ReleaseLedger& ledger,
                                          const release::Release& release) {
  const auto record = ledger.find(release.id);
  release::ReleaseApp app = load_release_app(settings, release.path.string(),
                                             record ? record->manifest : std::string("app.yaml"));
  app.id = release.id;
  app.commit = release.commit;
  return app;
}

std::vector<std::string> log_evidence(const std::string& path) {
  std::vector<std::string> lines{"last lines of " + path + ":"};
  for (const std::string& line : supervise::tail_lines(path, k_evidence_lines)) {
    lines.push_back("  " + line);
  }
  return lines;
}

}  // namespace bosun::agent::deploy
