#include "deploy/deploy_engine.hpp"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <optional>

#include "bosun/checks/requirements.hpp"
#include "bosun/common/duration.hpp"
#include "bosun/common/text.hpp"
#include "bosun/manifest/variables.hpp"
#include "bosun/playbook/playbook.hpp"
#include "bosun/playbook/shipped.hpp"
#include "database/schema_actions.hpp"
#include "deploy/deploy_actions.hpp"
#include "deploy/run_reporter.hpp"
#include "deploy/steps/build_step.hpp"
#include "deploy/steps/migrate_step.hpp"
#include "deploy/steps/step_command.hpp"
#include "release/prune_plan.hpp"
#include "release/release_store.hpp"
#include "state/deploy_journal.hpp"
#include "state/lock_holder.hpp"
#include "state/release_ledger.hpp"
#include "supervise/log_files.hpp"
#include "supervise/supervisor.hpp"

namespace bosun::agent {
namespace {

namespace fs = std::filesystem;
using std::chrono::milliseconds;

constexpr std::size_t k_evidence_lines = 15;
constexpr milliseconds k_default_hook_timeout{600'000};

std::string playbook_errors(const playbook::LoadResult& loaded) {
  return manifest::format_diagnostics(loaded.diagnostics);
}

playbook::Playbook load_playbook(const std::string& file, std::string_view shipped,
                                 const std::string& shipped_name) {
  const playbook::LoadResult loaded = file.empty() ? playbook::parse_playbook(shipped, shipped_name)
                                                   : playbook::load_playbook_file(file);
  if (!loaded.ok()) {
    throw std::runtime_error("the playbook is broken:\n" + playbook_errors(loaded));
  }
  return *loaded.playbook;
}

std::vector<std::string> log_evidence(const std::string& path) {
  std::vector<std::string> lines{"last lines of " + path + ":"};
  for (const std::string& line : tail_lines(path, k_evidence_lines)) {
    lines.push_back("  " + line);
  }
  return lines;
}

SchemaUndo undo_mode(const manifest::Database& database, DbRollback asked) {
  switch (asked) {
    case DbRollback::down:
      return SchemaUndo::down;
    case DbRollback::restore:
      return SchemaUndo::restore;
    case DbRollback::automatic:
    case DbRollback::none:
      break;
  }
  return database.rollback == manifest::RollbackMode::restore ? SchemaUndo::restore
                                                              : SchemaUndo::down_then_restore;
}

// How an automatic rollback undoes a deploy's migrations: the manifest's choice, except that
// a migration marked irreversible above the target can only be undone by the backup.
SchemaUndo automatic_undo(const manifest::Database& database, const SchemaVersion& target,
                          const SchemaVersion& reached) {
  const bool irreversible_above = !irreversible_crossed(database, target, reached).empty();
  return irreversible_above ? SchemaUndo::restore : undo_mode(database, DbRollback::automatic);
}

DbRollback db_rollback_from(const std::string& text) {
  if (text == "down") {
    return DbRollback::down;
  }
  if (text == "restore") {
    return DbRollback::restore;
  }
  if (text == "none") {
    return DbRollback::none;
  }
  return DbRollback::automatic;
}

// "db=down window=0s force" -> its value for `key` ("" when absent; "1" for a bare flag).
std::string option_value(const std::string& options, const std::string& key) {
  std::size_t at = 0;
  while (at < options.size()) {
    const std::size_t end = std::min(options.find(' ', at), options.size());
    const std::string word = options.substr(at, end - at);
    if (word == key) {
      return "1";
    }
    if (word.starts_with(key + "=")) {
      return word.substr(key.size() + 1);
    }
    at = end + 1;
  }
  return "";
}

}  // namespace

std::string to_string(DbRollback mode) {
  switch (mode) {
    case DbRollback::automatic:
      return "auto";
    case DbRollback::down:
      return "down";
    case DbRollback::restore:
      return "restore";
    case DbRollback::none:
      return "none";
  }
  return "auto";
}

struct DeployEngine::Impl {
  Impl(AgentSettings agent, ReleaseApp live_app, Supervisor& services)
      : settings(std::move(agent)),
        live(std::move(live_app)),
        supervisor(services),
        journal(settings.layout.state_db().string()),
        ledger(settings.layout.state_db().string()),
        store(settings.layout.root) {}

  AgentSettings settings;
  ReleaseApp live;  // written only by the run in progress, under live_mutex
  mutable std::mutex live_mutex;
  Supervisor& supervisor;
  DeployJournal journal;
  ReleaseLedger ledger;
  ReleaseStore store;

  void set_live(const ReleaseApp& app) {
    std::lock_guard guard(live_mutex);
    live = app;
  }

  // A backup restore the run ended with: in its reason and result, and kept with the release
  // that is live after it (so `releases` and `bosun status` go on saying it).
  void record_restore(RunOutcome& outcome, const std::string& live_release,
                      const std::string& restored) {
    if (restored.empty()) {
      return;
    }
    outcome.reason += "; " + restored;
    outcome.restored_backup = restored;
    ledger.set_restored(live_release, restored);
  }

  // ---- places ----

  std::string step_record() const { return (settings.layout.run_dir() / "step.pid").string(); }
  std::string log_for(const std::string& release, const std::string& what) const {
    const fs::path dir = settings.layout.logs() / "deploys";
    fs::create_directories(dir);
    return (dir / (release + "." + what + ".log")).string();
  }
  std::string backup_for(const std::string& release) const {
    return (settings.layout.root / "backups" / (release + ".db")).string();
  }
  CommandSite site_of(const ReleaseApp& app, const std::string& log) const {
    return {app.dir, app.env, app.variables, log, step_record()};
  }
  VerifySettings verify_settings(const ReleaseApp& app, std::optional<milliseconds> window) const {
    VerifySettings verify;
    for (const manifest::CheckSpec& check : app.manifest.verify.checks) {
      verify.checks.push_back(expand_check(check, app.variables));
    }
    verify.timeout = app.manifest.verify.timeout;
    verify.window = window ? *window : milliseconds(app.manifest.verify.window);
    verify.env = app.env;
    verify.cwd = app.dir;
    if (!app.id.empty()) {
      verify.release_dir = app.dir;
      for (const ServiceSpec& spec : app.specs) {
        if (runs_from_release(spec, app.dir)) {
          verify.release_services.push_back(spec.name);
        }
      }
    }
    return verify;
  }

  std::optional<Release> release_dir(const std::string& id) const {
    for (const Release& release : store.list()) {
      if (release.id == id) {
        return release;
      }
    }
    return std::nullopt;
  }

  ReleaseApp load_app(const Release& release) {
    const auto record = ledger.find(release.id);
    ReleaseApp app = load_release_app(settings, release.path.string(),
                                      record ? record->manifest : std::string("app.yaml"));
    app.id = release.id;
    app.commit = release.commit;
    return app;
  }

  // ---- hooks ----

  StepResult run_hook(const playbook::Step& step, const ReleaseApp& app,
                      const std::map<std::string, std::string>& extra_env) {
    std::map<std::string, std::string> env = app.env;
    for (const auto& [name, value] : extra_env) {
      env[name] = value;
    }
    for (const manifest::EnvVar& var : step.env) {
      auto expanded = manifest::expand_variables(var.value, app.variables);
      env[var.name] = expanded ? *expanded : var.value;
    }
    const std::string log = log_for(app.id.empty() ? "hooks" : app.id, "hooks");
    std::ofstream(log, std::ios::app) << "$ " << step.name << "\n";
    const StepCommandResult result = run_step_command(
        {command_argv(step.command, app.variables), env,
         step.cwd.empty() ? app.dir : (fs::path(app.dir) / step.cwd).string(), log,
         step.timeout ? milliseconds(*step.timeout) : k_default_hook_timeout, step_record()});
    if (!result.succeeded()) {
      return StepResult::failed("hook " + step.name + " " + result.describe(), log_evidence(log));
    }
    return StepResult::ok("hook " + step.name + " done in " + format_duration(result.took));
  }

  std::map<std::string, std::string> hook_env(const std::string& kind, const std::string& who,
                                              const ReleaseApp* next) const {
    std::map<std::string, std::string> env{
        {"BOSUN_RUN", kind},
        {"BOSUN_WHO", who},
        {"BOSUN_HOST", settings.host},
        {"BOSUN_STAGE", settings.stage},
        {"BOSUN_PREVIOUS_RELEASE", live.id},
        {"BOSUN_PREVIOUS_COMMIT", live.commit},
    };
    env["BOSUN_RELEASE"] = next != nullptr ? next->id : live.id;
    env["BOSUN_COMMIT"] = next != nullptr ? next->commit : live.commit;
    return env;
  }

  // ---- deploy ----

  struct DeployState {
    std::string commit;
    std::optional<Release> release;
    std::optional<ReleaseApp> next;
    bool migrate_started = false;
    SchemaVersion schema_from;
    SchemaVersion schema_to;                         // after its migrate
    std::optional<SchemaFingerprint> schema_before;  // to prove a failed migrate undone
    bool migrate_failed = false;
    std::string restored_backup;  // what a restore cost, for the run's reason
    std::string backup;
    bool switched = false;
    bool verified = false;
  };

  StepResult deploy_step(const playbook::Step& step, const DeployRequest& request,
                         DeployState& state, LockHolder& lock, RunReporter& report) {
    using playbook::StepKind;
    const bool needs_release = step.kind == StepKind::build || step.kind == StepKind::preflight ||
                               step.kind == StepKind::backup || step.kind == StepKind::migrate ||
                               step.kind == StepKind::switch_release ||
                               step.kind == StepKind::restart || step.kind == StepKind::verify;
    if (needs_release && !state.next) {
      return StepResult::failed(step.name +
                                " needs a checked out release: the playbook must "
                                "run fetch and checkout before it");
    }
    switch (step.kind) {
      case StepKind::lock: {
        std::string note;
        const std::string refused =
            lock.acquire(request.who, "deploy " + request.ref, request.lock_wait, note);
        if (!refused.empty()) {
          return StepResult::failed(refused);
        }
        if (!note.empty()) {
          report.note(note);
        }
        return StepResult::ok("held by " + request.who);
      }
      case StepKind::fetch: {
        const std::string repo = !request.repo.empty() ? request.repo : live.manifest.repo;
        if (repo.empty()) {
          return StepResult::failed("no repository: set `repo` in app.yaml or pass --repo");
        }
        store.fetch(repo, fetch_credentials());
        state.commit = store.resolve(request.ref);
        journal.set_commit(report.run(), state.commit);
        return StepResult::ok(request.ref + " is " + state.commit.substr(0, 12));
      }
      case StepKind::checkout: {
        if (state.commit.empty()) {
          return StepResult::failed("checkout needs fetch before it in the playbook");
        }
        state.release = store.checkout(state.commit);
        journal.set_release(report.run(), state.release->id);
        ledger.add({state.release->id,
                    state.commit,
                    request.manifest,
                    ReleaseState::built,
                    "",
                    {},
                    {},
                    "",
                    0,
                    {}});
        // Loaded once: its environment comes from ROOT/shared/.env, not from the links.
        state.next = load_app(*state.release);
        store.link_shared(*state.release, state.next->manifest.shared);
        return StepResult::ok(state.release->id + " at " + state.release->path.string());
      }
      case StepKind::build: {
        manifest::Build build = state.next->manifest.build;
        if (step.timeout) {
          build.timeout = *step.timeout;
        }
        if (build.commands.empty()) {
          return StepResult::skipped("no build commands");
        }
        const std::string log = log_for(state.next->id, "build");
        const BuildOutcome outcome = run_build(build, state.next->dir, state.next->env, log,
                                               state.next->variables, step_record());
        if (!outcome.succeeded) {
          return StepResult::failed("build command `" + outcome.failed_command + "` " +
                                        outcome.last.describe() + " (log: " + log + ")",
                                    log_evidence(log));
        }
        return StepResult::ok(std::to_string(build.commands.size()) + " command(s), log: " + log);
      }
      case StepKind::preflight:
        return preflight(*state.next);
      case StepKind::backup: {
        const std::string path = backup_for(state.next->id);
        StepResult result = take_backup(state.next->manifest.database, path,
                                        site_of(*state.next, log_for(state.next->id, "db")));
        if (result.outcome == StepResult::Outcome::ok) {
          state.backup = path;
          ledger.set_backup(state.next->id, path);
        }
        return result;
      }
      case StepKind::migrate: {
        const manifest::Database& database = state.next->manifest.database;
        const std::string made =
            make_database_folder(database, site_of(*state.next, log_for(state.next->id, "db")));
        if (!made.empty()) {
          report.note("created " + made + " for the SQLite database");
        }
        if (!database.migrate_up) {
          return StepResult::skipped("no migrate command");
        }
        CommandSite site = site_of(*state.next, log_for(state.next->id, "db"));
        state.schema_from = schema_version(database, site);
        state.schema_before = schema_of(database, site);
        ledger.set_schema(state.next->id, state.schema_from, std::nullopt);
        state.migrate_started = true;
        MigrateContext context{
            site.release_dir, site.env,
            site.log_path,    step.timeout ? milliseconds(*step.timeout) : milliseconds(600'000),
            site.variables,   site.pid_record};
        const StepCommandResult result = migrate_up(database, context);
        const SchemaVersion after = schema_version(database, site);
        state.schema_to = after;
        ledger.set_schema(state.next->id, state.schema_from, after);
        if (!result.succeeded()) {
          state.migrate_failed = true;
          return StepResult::failed(
              "migrate " + result.describe() + " (log: " + site.log_path + ")",
              log_evidence(site.log_path));
        }
        return StepResult::ok("schema " + describe_version(state.schema_from) + " -> " +
                              describe_version(after));
      }
      case StepKind::switch_release:
        store.switch_current(*state.release);
        ledger.set_state(state.next->id, ReleaseState::live, "");
        state.switched = true;
        return StepResult::ok("current -> " + state.release->id);
      case StepKind::restart: {
        const RestartPlan plan =
            plan_restarts({&live.specs, live.dir, live.commit},
                          {&state.next->specs, state.next->dir, state.next->commit});
        return restart_services(supervisor, plan, state.next->specs);
      }
      case StepKind::verify: {
        StepResult result = verify_services(supervisor, verify_settings(*state.next, std::nullopt));
        if (!result.failed()) {
          ledger.mark_verified(state.next->id);
          state.verified = true;
        }
        return result;
      }
      case StepKind::prune:
        return prune();
      case StepKind::run:
        return run_hook(step, state.next ? *state.next : live,
                        hook_env("deploy", request.who, state.next ? &*state.next : nullptr));
    }
    return StepResult::failed("unknown step");
  }

  // From shared/.env (read now: a deploy key added since the agent started counts).
  FetchCredentials fetch_credentials() const {
    const auto dotenv = read_dotenv_file(settings.layout.env_file().string());
    const auto value = [&](const char* name) {
      const auto it = dotenv.find(name);
      return it == dotenv.end() ? std::string() : it->second;
    };
    return {value("BOSUN_DEPLOY_KEY"), value("BOSUN_GIT_TOKEN"), value("BOSUN_GIT_USER")};
  }

  StepResult preflight(const ReleaseApp& next) {
    checks::RequirementInputs inputs;
    inputs.env = next.env;
    inputs.disk_path = settings.layout.root.string();
    for (const ServiceStatus& status : supervisor.snapshot()) {
      if (status.pid > 0) {
        inputs.own_pids.push_back(status.pid);
      }
    }
    const auto rows = checks::check_requirements(next.manifest.requires_, inputs);
    std::vector<std::string> gaps;
    std::vector<std::string> evidence;
    int warnings = 0;
    for (const checks::RequirementRow& row : rows) {
      if (row.result.passed()) {
        continue;
      }
      if (!row.blocking) {
        ++warnings;
        continue;
      }
      gaps.push_back(row.requirement + " (" + row.result.evidence + ")");
      evidence.push_back(row.requirement + ": required " + row.required + ", found " +
                         row.result.evidence +
                         (row.result.action.empty() ? "" : "; action: " + row.result.action));
    }
    if (!gaps.empty()) {
      return StepResult::failed("blocking gap: " + join(gaps, "; "), evidence);
    }
    return StepResult::ok(std::to_string(rows.size()) + " requirement(s) met" +
                          (warnings > 0 ? ", " + std::to_string(warnings) + " warning(s)" : ""));
  }

  StepResult prune() {
    std::vector<PruneCandidate> candidates;
    for (const Release& release : store.list()) {
      const auto record = ledger.find(release.id);
      candidates.push_back({release.id, release.current,
                            record && record->state == ReleaseState::good,
                            record ? record->backup : std::string()});
    }
    const PrunePlan plan =
        plan_prune(candidates, static_cast<std::size_t>(std::max(1, live.manifest.keep_releases)));
    for (const std::string& id : plan.releases) {
      if (const auto release = release_dir(id)) {
        store.discard(*release);
      }
      ledger.set_state(id, ReleaseState::discarded, "pruned");
    }
    for (const std::string& backup : plan.backups) {
      std::error_code ignored;
      fs::remove(backup, ignored);
    }
    return plan.releases.empty() ? StepResult::ok("nothing to prune")
                                 : StepResult::ok("removed " + join(plan.releases, ", "));
  }

  // Before the switch nothing live changed except, maybe, the schema: put it back, then
  // drop the release.
  void undo_before_switch(DeployState& state, RunReporter& report) {
    if (state.migrate_started && state.next) {
      const StepResult undone = report.step("undo-migrate", [&] {
        const CommandSite site = site_of(*state.next, log_for(state.next->id, "db"));
        if (state.migrate_failed) {
          return undo_failed_migrate(state.next->manifest.database, state.schema_from,
                                     state.schema_before, state.backup, site);
        }
        return undo_schema(
            state.next->manifest.database, state.schema_from,
            automatic_undo(state.next->manifest.database, state.schema_from, state.schema_to),
            state.backup, site);
      });
      state.restored_backup = undone.restored_backup;
    }
    if (state.release) {
      report.step("discard", [&] {
        store.discard(*state.release);
        return StepResult::ok("removed " + state.release->id);
      });
    }
  }

  // After the switch: back to `previous`, schema included, and verified.
  // `restored`: set to what a backup restore cost, when the schema came back that way.
  StepResult roll_back_to(const ReleaseApp& previous, const ReleaseApp& leaving,
                          const SchemaVersion& schema_target, const std::string& backup,
                          RunReporter& report, std::string& restored) {
    const std::optional<Release> target = release_dir(previous.id);
    if (!target) {
      return StepResult::failed("the previous release " + previous.id + " is gone");
    }
    StepResult result = report.step("rollback-switch", [&] {
      store.switch_current(*target);
      return StepResult::ok("current -> " + previous.id);
    });
    if (result.failed()) {
      return result;
    }
    if (leaving.manifest.database.migrate_up) {
      result = report.step("rollback-migrate", [&] {
        const auto record = ledger.find(leaving.id);
        return undo_schema(leaving.manifest.database, schema_target,
                           automatic_undo(leaving.manifest.database, schema_target,
                                          record ? record->schema : std::nullopt),
                           backup, site_of(leaving, log_for(leaving.id, "db")));
      });
      restored = result.restored_backup;
      if (result.failed()) {
        return result;
      }
    }
    result = report.step("rollback-restart", [&] {
      const RestartPlan plan = plan_restarts({&leaving.specs, leaving.dir, leaving.commit},
                                             {&previous.specs, previous.dir, previous.commit});
      return restart_services(supervisor, plan, previous.specs);
    });
    if (result.failed()) {
      return result;
    }
    return report.step("rollback-verify", [&] {
      return verify_services(supervisor, verify_settings(previous, std::nullopt));
    });
  }

  RunOutcome deploy(const DeployRequest& request, const EventSink& sink) {
    RunOutcome outcome;
    outcome.run = journal.begin("deploy", request.who, request.ref);
    RunReporter report(journal, sink, outcome.run);
    LockHolder lock(settings.layout.state_db().string());
    // The lock goes back before the run is recorded as ended: a crash in between then leaves
    // an interrupted run, which recovery finishes and unlocks, never an ended run whose lock
    // outlives it.
    const auto finish_run = [&](const std::vector<std::string>& evidence) {
      lock.release();
      report.finished(outcome.result, outcome.reason, evidence, outcome.restored_backup);
      return outcome;
    };
    journal.set_previous(outcome.run, live.id, "ref=" + request.ref);
    report.started("deploy", "deploy of " + request.ref + " by " + request.who +
                                 (live.id.empty() ? "" : ", live: " + live.id));
    playbook::Playbook playbook;
    try {
      playbook = load_playbook(request.playbook, playbook::shipped_deploy_playbook(),
                               "playbooks/deploy.yaml");
    } catch (const std::exception& error) {
      outcome.result = RunResult::refused;
      outcome.reason = error.what();
      outcome.exit_code = 2;
      return finish_run({});
    }
    DeployState state;
    std::optional<std::pair<std::string, StepResult>> failure;
    for (const playbook::Step& step : playbook.steps) {
      StepResult result =
          report.step(step.name, [&] { return deploy_step(step, request, state, lock, report); });
      if (!result.failed()) {
        continue;
      }
      if (step.on_failure == playbook::OnFailure::continue_on) {
        report.note(step.name + " failed; continuing as the playbook allows");
        continue;
      }
      failure = {step.name, std::move(result)};
      break;
    }
    if (!failure) {
      if (state.next) {
        if (!state.verified) {
          ledger.mark_verified(state.next->id);
        }
        set_live(*state.next);
      }
      outcome.result = RunResult::succeeded;
      outcome.reason =
          state.next ? "live: " + state.next->id + " (" + state.next->commit.substr(0, 12) + ")"
                     : "nothing deployed";
      return finish_run({});
    }
    const auto& [failed_step, result] = *failure;
    outcome.reason = failed_step + " failed: " + result.detail;
    outcome.exit_code = 1;
    if (failed_step == "lock" && !state.switched) {
      outcome.result = RunResult::locked;
      return finish_run(result.evidence);
    }
    if (!state.switched) {
      undo_before_switch(state, report);
      if (state.next) {
        ledger.set_state(state.next->id, ReleaseState::failed, outcome.reason);
      }
      outcome.result = RunResult::failed;
      outcome.reason += live.id.empty() ? "" : "; " + live.id + " is still live, untouched";
      record_restore(outcome, live.id, state.restored_backup);
      return finish_run(result.evidence);
    }
    ledger.set_state(state.next->id, ReleaseState::failed, outcome.reason);
    if (live.id.empty()) {
      outcome.result = RunResult::failed;
      outcome.reason += "; no earlier release to roll back to";
      return finish_run(result.evidence);
    }
    report.note("rolling back to " + live.id + ": " + outcome.reason, result.evidence);
    const StepResult back = roll_back_to(live, *state.next, state.schema_from, state.backup, report,
                                         state.restored_backup);
    if (back.failed()) {
      set_live(*state.next);  // what the supervisor may partly run now; a person must look
      outcome.result = RunResult::failed;
      outcome.reason += "; the rollback failed too: " + back.detail;
    } else {
      ledger.mark_verified(live.id);
      outcome.result = RunResult::rolled_back;
      outcome.reason += "; rolled back to " + live.id;
    }
    record_restore(outcome, live.id, state.restored_backup);
    std::vector<std::string> evidence = result.evidence;
    evidence.insert(evidence.end(), back.evidence.begin(), back.evidence.end());
    return finish_run(evidence);
  }

  // ---- manual rollback ----

  std::optional<Release> find_target(const std::string& wanted, const std::string& current) {
    const std::vector<Release> releases = store.list();
    if (wanted.empty()) {
      const auto good = ledger.last_good(current);
      if (!good) {
        return std::nullopt;
      }
      return release_dir(good->id);
    }
    std::vector<Release> matches;
    for (const Release& release : releases) {
      if (release.id == wanted) {
        return release;
      }
      if (release.id.starts_with(wanted) || release.commit.starts_with(wanted)) {
        matches.push_back(release);
      }
    }
    if (matches.empty()) {
      // A tag or branch name (or any form git knows), through the host's mirror.
      std::string commit;
      try {
        commit = store.resolve(wanted);
      } catch (const std::exception&) {
        return std::nullopt;
      }
      for (const Release& release : releases) {
        if (release.commit == commit) {
          matches.push_back(release);
        }
      }
    }
    if (matches.empty()) {
      return std::nullopt;
    }
    return matches.back();  // the newest of several checkouts of one commit
  }

  // The schema versions recorded by the releases deployed after `target`.
  std::vector<std::string> schema_versions_after(const std::string& target) {
    std::vector<std::string> versions;
    bool seen = false;
    for (const ReleaseRecord& record : ledger.all()) {
      if (seen && record.schema) {
        versions.push_back(*record.schema);
      }
      seen = seen || record.id == target;
    }
    return versions;
  }

  // The backup that holds the database as `target` left it: the one taken by the first
  // release deployed after it.
  std::string backup_after(const std::string& target) {
    bool seen = false;
    for (const ReleaseRecord& record : ledger.all()) {
      if (seen && !record.backup.empty() && fs::exists(record.backup)) {
        return record.backup;
      }
      seen = seen || record.id == target;
    }
    return "";
  }

  RunOutcome rollback(const RollbackRequest& request, const EventSink& sink,
                      std::optional<std::int64_t> resumed_run = std::nullopt) {
    RunOutcome outcome;
    outcome.run = resumed_run ? *resumed_run : journal.begin("rollback", request.who, "");
    RunReporter report(journal, sink, outcome.run);
    LockHolder lock(settings.layout.state_db().string());
    // Unlocked before the run is recorded as ended (see deploy).
    const auto finish = [&](RunResult result, const std::string& reason, int code,
                            std::vector<std::string> evidence = {}) {
      lock.release();
      outcome.result = result;
      outcome.reason = reason;
      outcome.exit_code = code;
      report.finished(result, reason, std::move(evidence), outcome.restored_backup);
      return outcome;
    };
    const std::string options =
        "db=" + to_string(request.db) + " window=" + format_duration(request.window) +
        (request.force ? " force" : "") + (request.to.empty() ? "" : " to=" + request.to);
    report.started("rollback", "rollback by " + request.who + " (" + options + ")");
    const std::optional<Release> current = store.current();
    const std::optional<Release> target = find_target(request.to, current ? current->id : "");
    if (!target) {
      return finish(RunResult::refused,
                    request.to.empty()
                        ? "no earlier release was verified good; pick one with --to (see "
                          "`bosun-agent releases`)"
                        : "no release matches \"" + request.to + "\" (see `bosun-agent releases`)",
                    2);
    }
    if (current && target->id == current->id) {
      if (resumed_run) {
        // The dead agent had switched already; this agent started on the target.
        const StepResult verified = report.step("verify", [&] {
          return verify_services(supervisor, verify_settings(live, request.window));
        });
        if (verified.failed()) {
          return finish(RunResult::failed, "verify failed: " + verified.detail, 1,
                        verified.evidence);
        }
        ledger.mark_verified(live.id);
        return finish(RunResult::succeeded, "live: " + live.id, 0);
      }
      return finish(RunResult::refused, target->id + " is already the current release", 2);
    }
    journal.set_commit(outcome.run, target->commit);
    journal.set_release(outcome.run, target->id);
    journal.set_previous(outcome.run, live.id, options);
    playbook::Playbook playbook =
        load_playbook("", playbook::shipped_rollback_playbook(), "playbooks/rollback.yaml");
    ReleaseApp goal;
    try {
      goal = load_app(*target);
    } catch (const std::exception& error) {
      return finish(RunResult::refused, "cannot load " + target->id + ": " + error.what(), 2);
    }
    const ReleaseApp leaving = live;
    const auto goal_record = ledger.find(goal.id);
    const SchemaVersion goal_schema = goal_record ? goal_record->schema : std::nullopt;
    const manifest::Database& database = leaving.manifest.database;
    std::optional<std::pair<std::string, StepResult>> failure;
    std::string restored;  // what a backup restore cost, if the schema came back that way
    for (const playbook::Step& step : playbook.steps) {
      StepResult result = report.step(step.name, [&]() -> StepResult {
        switch (step.kind) {
          case playbook::StepKind::lock: {
            std::string note;
            const std::string refused =
                lock.acquire(request.who, "rollback to " + goal.id, request.lock_wait, note);
            if (!refused.empty()) {
              return StepResult::failed(refused);
            }
            return StepResult::ok("held by " + request.who);
          }
          case playbook::StepKind::migrate:
            return rollback_schema(request, leaving, goal, goal_schema);
          case playbook::StepKind::switch_release:
            store.switch_current(*target);
            return StepResult::ok("current -> " + goal.id);
          case playbook::StepKind::restart:
            return restart_services(supervisor,
                                    plan_restarts({&leaving.specs, leaving.dir, leaving.commit},
                                                  {&goal.specs, goal.dir, goal.commit}),
                                    goal.specs);
          case playbook::StepKind::verify:
            return verify_services(supervisor, verify_settings(goal, request.window));
          case playbook::StepKind::run:
            return run_hook(step, goal, hook_env("rollback", request.who, &goal));
          default:
            return StepResult::skipped("not part of a rollback");
        }
      });
      if (!result.restored_backup.empty()) {
        restored = result.restored_backup;
      }
      if (result.failed() && step.on_failure != playbook::OnFailure::continue_on) {
        failure = {step.name, std::move(result)};
        break;
      }
    }
    (void)database;
    if (failure) {
      const auto& [step, result] = *failure;
      const bool refused = step == "lock" || result.refused;
      if (store.current() && store.current()->id == goal.id) {
        set_live(goal);  // switched: the supervisor runs (part of) the target now
      }
      return finish(refused ? RunResult::refused : RunResult::failed,
                    step + " failed: " + result.detail, refused ? 2 : 1, result.evidence);
    }
    ledger.mark_verified(goal.id);
    if (!leaving.id.empty()) {
      ledger.set_state(leaving.id, ReleaseState::failed, "rolled back by " + request.who);
    }
    set_live(goal);
    outcome.reason = "live: " + goal.id + " (" + goal.commit.substr(0, 12) + ")";
    record_restore(outcome, goal.id, restored);
    return finish(RunResult::succeeded, outcome.reason, 0);
  }

  StepResult rollback_schema(const RollbackRequest& request, const ReleaseApp& leaving,
                             const ReleaseApp& goal, const SchemaVersion& goal_schema) {
    const manifest::Database& database = leaving.manifest.database;
    if (request.db == DbRollback::none) {
      return StepResult::skipped("--db none: the schema is left as it is");
    }
    if (!database.migrate_up || leaving.id.empty()) {
      return StepResult::skipped("no migrations");
    }
    const CommandSite site = site_of(leaving, log_for(leaving.id, "db"));
    const auto now = schema_version(database, site);
    if (!goal_schema) {
      return StepResult::skipped(goal.id + " has no recorded schema version; schema left at " +
                                 describe_version(now));
    }
    if (now && *now == *goal_schema) {
      return StepResult::ok("schema already at " + describe_version(now));
    }
    const SchemaUndo how = undo_mode(database, request.db);
    const std::vector<std::string> crossed =
        irreversible_crossed(database, goal_schema, now, schema_versions_after(goal.id));
    const std::string backup = backup_after(goal.id);
    if (!crossed.empty() && !(how == SchemaUndo::restore && request.force)) {
      StepResult refusal = StepResult::failed(
          "refused: migration " + join(crossed, ", ") +
          " is marked irreversible (its down script cannot bring the data back). To go back to " +
          goal.id + " anyway, restore the backup taken before the next deploy (" +
          (backup.empty() ? std::string("none found") : backup) +
          "; data written since is lost): --db restore --force");
      refusal.refused = true;  // nothing was done: a rollback the operator must choose
      return refusal;
    }
    return undo_schema(database, goal_schema, how, backup, site);
  }

  // ---- crash recovery ----

  std::vector<RunOutcome> recover(const EventSink& sink) {
    std::vector<RunOutcome> outcomes;
    const int killed = kill_leftover_step(step_record());
    for (const RunRecord& run : journal.interrupted()) {
      RunReporter report(journal, sink, run.id);
      std::string last_step = run.steps.empty() ? "start" : run.steps.back().name;
      report.note(
          "the agent restarted during " + run.kind + " #" + std::to_string(run.id) + " (step " +
          last_step + ")" +
          (killed > 0 ? "; killed its leftover command, pid " + std::to_string(killed) : ""));
      // The dead run's lock first: no other run starts while recovery runs, a resumed
      // rollback takes its own, and a crash during recovery cannot leave it behind.
      DeployLock(settings.layout.state_db().string()).release(run.who, false);
      RunOutcome outcome = run.kind == "rollback" ? recover_rollback(run, sink)
                                                  : recover_deploy(run, report, last_step);
      outcome.run = run.id;
      outcomes.push_back(outcome);
    }
    return outcomes;
  }

  RunOutcome recover_deploy(const RunRecord& run, RunReporter& report,
                            const std::string& last_step) {
    RunOutcome outcome;
    outcome.run = run.id;
    outcome.exit_code = 1;
    const std::optional<Release> current = store.current();
    const std::optional<Release> release =
        run.release.empty() ? std::nullopt : release_dir(run.release);
    const auto record = run.release.empty() ? std::nullopt : ledger.find(run.release);
    const bool switched = current && current->id == run.release && !run.release.empty();
    const std::string interrupted = "the agent died during " + last_step;
    if (!switched) {
      if (release && record && record->schema_from) {
        try {
          const ReleaseApp next = load_app(*release);
          report.step("undo-migrate", [&] {
            return undo_schema(
                next.manifest.database, record->schema_from,
                automatic_undo(next.manifest.database, record->schema_from, record->schema),
                record->backup, site_of(next, log_for(next.id, "db")));
          });
        } catch (const std::exception& error) {
          report.note(std::string("cannot undo the migration: ") + error.what());
        }
      }
      if (release) {
        report.step("discard", [&] {
          store.discard(*release);
          return StepResult::ok("removed " + release->id);
        });
        ledger.set_state(release->id, ReleaseState::failed, interrupted);
      }
      outcome.result = RunResult::failed;
      outcome.reason = interrupted + " before the switch; the new release was discarded";
      report.finished(outcome.result, outcome.reason, {});
      return outcome;
    }
    if (record && record->state == ReleaseState::good) {
      outcome.result = RunResult::succeeded;
      outcome.exit_code = 0;
      outcome.reason = interrupted + " after verify; " + run.release + " is live and verified";
      report.finished(outcome.result, outcome.reason, {});
      return outcome;
    }
    const std::optional<Release> previous = release_dir(run.previous);
    if (run.previous.empty() || !previous) {
      outcome.result = RunResult::failed;
      outcome.reason = interrupted + " after the switch, and there is no earlier release";
      report.finished(outcome.result, outcome.reason, {});
      return outcome;
    }
    ledger.set_state(run.release, ReleaseState::failed, interrupted + " before verify");
    try {
      const ReleaseApp leaving = live;  // the agent started on the switched release
      const ReleaseApp back = load_app(*previous);
      report.note("rolling back to " + back.id + ": " + interrupted + " before verify");
      std::string restored;
      const StepResult result =
          roll_back_to(back, leaving, record ? record->schema_from : std::nullopt,
                       record ? record->backup : "", report, restored);
      if (result.failed()) {
        outcome.result = RunResult::failed;
        outcome.reason = interrupted + "; the rollback failed: " + result.detail;
        report.finished(outcome.result, outcome.reason, result.evidence);
        return outcome;
      }
      set_live(back);
      ledger.mark_verified(back.id);
      outcome.result = RunResult::rolled_back;
      outcome.reason = interrupted + " before verify; rolled back to " + back.id;
      record_restore(outcome, back.id, restored);
    } catch (const std::exception& error) {
      outcome.result = RunResult::failed;
      outcome.reason = interrupted + "; the rollback failed: " + error.what();
    }
    report.finished(outcome.result, outcome.reason, {}, outcome.restored_backup);
    return outcome;
  }

  RunOutcome recover_rollback(const RunRecord& run, const EventSink& sink) {
    RollbackRequest request;
    request.to = run.release;
    request.who = run.who;
    request.db = db_rollback_from(option_value(run.options, "db"));
    request.force = option_value(run.options, "force") == "1";
    if (run.release.empty()) {
      RunReporter report(journal, sink, run.id);
      report.finished(RunResult::failed, "the agent died before the rollback picked its target",
                      {});
      return {run.id, RunResult::failed, "interrupted before it began", 1};
    }
    return rollback(request, sink, run.id);
  }
};

DeployEngine::DeployEngine(AgentSettings settings, ReleaseApp live, Supervisor& supervisor)
    : m_impl(std::make_unique<Impl>(std::move(settings), std::move(live), supervisor)) {}

DeployEngine::~DeployEngine() = default;

RunOutcome DeployEngine::deploy(const DeployRequest& request, const EventSink& sink) {
  return m_impl->deploy(request, sink);
}

RunOutcome DeployEngine::rollback(const RollbackRequest& request, const EventSink& sink) {
  return m_impl->rollback(request, sink);
}

std::vector<RunOutcome> DeployEngine::recover(const EventSink& sink) {
  return m_impl->recover(sink);
}

ReleaseApp DeployEngine::live_app() const {
  std::lock_guard guard(m_impl->live_mutex);
  return m_impl->live;
}

ReleaseApp load_live_app(const AgentSettings& settings, const std::string& fallback_manifest) {
  ReleaseStore store(settings.layout.root);
  if (const std::optional<Release> current = store.current()) {
    const auto record = ReleaseLedger(settings.layout.state_db().string()).find(current->id);
    ReleaseApp app = load_release_app(settings, current->path.string(),
                                      record ? record->manifest : std::string("app.yaml"));
    app.id = current->id;
    app.commit = current->commit;
    return app;
  }
  if (fallback_manifest.empty()) {
    return {};  // nothing to run until the first deploy
  }
  const fs::path file = fs::absolute(fallback_manifest);
  return load_release_app(settings, file.parent_path().string(), file.string());
}

}  // namespace bosun::agent
