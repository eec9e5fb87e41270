// The deploy engine on scripted steps: which steps a deploy, a rollback and the automatic
// rollback run, in which order and kind, and what each way of failing ends as, with no
// command, repository or process involved (the steps themselves have their own tests, and the
// end-to-end suites run them for real).
#include <gtest/gtest.h>

#include <fstream>

#include "agent_namespaces.hpp"
#include "child_process.hpp"
#include "deploy/deploy_engine.hpp"
#include "deploy/rollback_options.hpp"
#include "scripted_steps.hpp"
#include "state/deploy_journal.hpp"
#include "state/journal.hpp"
#include "state/release_ledger.hpp"
#include "supervise/supervisor.hpp"

namespace bosun::agent {
namespace {

using Calls = std::vector<std::string>;
using test::ScriptedSteps;

const Calls k_deploy_steps{"deploy:lock",      "deploy:fetch",  "deploy:checkout", "deploy:build",
                           "deploy:preflight", "deploy:backup", "deploy:migrate",  "deploy:switch",
                           "deploy:restart",   "deploy:verify", "deploy:hook",     "deploy:prune"};

// The first `count` steps of the shipped deploy playbook.
Calls first_deploy_steps(std::size_t count) {
  return Calls(k_deploy_steps.begin(), k_deploy_steps.begin() + static_cast<long>(count));
}

Calls joined(Calls first, const Calls& then) {
  first.insert(first.end(), then.begin(), then.end());
  return first;
}

class EngineRig {
 public:
  EngineRig() {
    settings.layout = HostLayout{m_dir.path()};
    settings.layout.create();
    settings.host = "web-1";
    settings.stage = "production";
    m_journal = std::make_unique<Journal>(m_dir.path() + "/supervisor.db");
    supervisor =
        std::make_unique<Supervisor>(std::vector<ServiceSpec>{}, settings.layout, *m_journal);
  }

  // A release directory as checkout leaves it: its commit and its own app.yaml.
  Release release(const std::string& id, const std::string& commit) const {
    const std::filesystem::path path = settings.layout.root / "releases" / id;
    std::filesystem::create_directories(path);
    std::ofstream(path / "REVISION") << commit << "\n";
    std::ofstream(path / "app.yaml")
        << "app: shop\nrepo: /srv/shop.git\nservices:\n  web:\n    command: [sleep, "
           "\"1000\"]\n";
    return {id, commit, path, false};
  }
  static ReleaseApp app(const Release& release, bool with_migrations) {
    ReleaseApp app;
    app.id = release.id;
    app.commit = release.commit;
    app.dir = release.path.string();
    if (with_migrations) {
      app.manifest.database.migrate_up = manifest::Command{{"migrate", "up"}, "", {}};
    }
    return app;
  }
  void make_current(const Release& release) const {
    std::filesystem::create_directory_symlink(std::filesystem::path("releases") / release.id,
                                              settings.layout.root / "current");
  }

  DeployEngine engine(const ReleaseApp& live) {
    return DeployEngine(settings, live, *supervisor, steps);
  }
  EventSink sink() {
    return [this](DeployEvent event) { events.push_back(std::move(event)); };
  }
  bool noted(const std::string& text) const {
    return std::any_of(events.begin(), events.end(), [&](const DeployEvent& event) {
      return event.type == RunEventType::note && event.message.find(text) != std::string::npos;
    });
  }

  AgentSettings settings;
  ScriptedSteps steps;
  std::unique_ptr<Supervisor> supervisor;
  std::vector<DeployEvent> events;

 private:
  test::TempDir m_dir;
  std::unique_ptr<Journal> m_journal;
};

DeployRequest request_for(const std::string& ref) {
  DeployRequest request;
  request.ref = ref;
  request.who = "alice@laptop";
  return request;
}

TEST(DeployEngine, ADeployRunsThePlaybookInOrderAndMakesTheTargetLive) {
  EngineRig rig;
  const Release next = rig.release("20261201T000002Z-bbbb", "bbbb");
  rig.steps.checkout_gives(next, EngineRig::app(next, false));
  DeployEngine engine = rig.engine({});

  const RunOutcome outcome = engine.deploy(request_for("main"), rig.sink());
  EXPECT_EQ(outcome.result, RunResult::succeeded) << outcome.reason;
  EXPECT_EQ(outcome.exit_code, 0);
  EXPECT_EQ(rig.steps.calls, k_deploy_steps);
  EXPECT_EQ(engine.live_app().id, next.id);
  ASSERT_FALSE(rig.events.empty());
  EXPECT_EQ(rig.events.front().type, RunEventType::run_started);
  EXPECT_EQ(rig.events.back().type, RunEventType::run_finished);
  EXPECT_EQ(rig.events.back().outcome, "succeeded");
}

TEST(DeployEngine, AFailedMigrateIsUndoneAndTheReleaseDiscardedBeforeAnythingLiveChanges) {
  EngineRig rig;
  const Release live = rig.release("20261201T000001Z-aaaa", "aaaa");
  const Release next = rig.release("20261201T000002Z-bbbb", "bbbb");
  rig.steps.checkout_gives(next, EngineRig::app(next, true));
  rig.steps.script(RunKind::deploy, StepAction::migrate,
                   StepResult::failed("migrate exited with code 1"));
  DeployEngine engine = rig.engine(EngineRig::app(live, true));

  const RunOutcome outcome = engine.deploy(request_for("main"), rig.sink());
  EXPECT_EQ(outcome.result, RunResult::failed);
  EXPECT_EQ(outcome.exit_code, 1);
  EXPECT_EQ(rig.steps.calls,
            joined(first_deploy_steps(7), {"deploy:undo-migrate", "deploy:discard"}));
  EXPECT_NE(outcome.reason.find("migrate failed: migrate exited with code 1"), std::string::npos);
  EXPECT_NE(outcome.reason.find(live.id + " is still live, untouched"), std::string::npos);
  EXPECT_EQ(engine.live_app().id, live.id);
}

TEST(DeployEngine, ABuildFailureOnlyDiscardsTheRelease) {
  EngineRig rig;
  const Release next = rig.release("20261201T000002Z-bbbb", "bbbb");
  rig.steps.checkout_gives(next, EngineRig::app(next, true));
  rig.steps.script(RunKind::deploy, StepAction::build, StepResult::failed("npm ci failed"));
  DeployEngine engine = rig.engine({});

  const RunOutcome outcome = engine.deploy(request_for("main"), rig.sink());
  EXPECT_EQ(outcome.result, RunResult::failed);
  EXPECT_EQ(rig.steps.calls, joined(first_deploy_steps(4), {"deploy:discard"}));
}

TEST(DeployEngine, AFailureAfterTheSwitchRollsBackToWhatWasLive) {
  EngineRig rig;
  const Release live = rig.release("20261201T000001Z-aaaa", "aaaa");
  const Release next = rig.release("20261201T000002Z-bbbb", "bbbb");
  rig.steps.checkout_gives(next, EngineRig::app(next, true));
  rig.steps.script(RunKind::deploy, StepAction::verify,
                   StepResult::failed("web not ready", {"HTTP 500"}));
  DeployEngine engine = rig.engine(EngineRig::app(live, true));

  const RunOutcome outcome = engine.deploy(request_for("main"), rig.sink());
  EXPECT_EQ(outcome.result, RunResult::rolled_back) << outcome.reason;
  EXPECT_EQ(outcome.exit_code, 1);
  EXPECT_EQ(rig.steps.calls, joined(first_deploy_steps(10),
                                    {"automatic_rollback:switch", "automatic_rollback:migrate",
                                     "automatic_rollback:restart", "automatic_rollback:verify"}));
  EXPECT_NE(outcome.reason.find("; rolled back to " + live.id), std::string::npos);
  EXPECT_TRUE(rig.noted("rolling back to " + live.id));
  EXPECT_EQ(engine.live_app().id, live.id);
  EXPECT_EQ(rig.events.back().evidence, (std::vector<std::string>{"HTTP 500"}));
}

TEST(DeployEngine, TheAutomaticRollbackSkipsMigrateWhenTheLeavingReleaseHasNone) {
  EngineRig rig;
  const Release live = rig.release("20261201T000001Z-aaaa", "aaaa");
  const Release next = rig.release("20261201T000002Z-bbbb", "bbbb");
  rig.steps.checkout_gives(next, EngineRig::app(next, false));
  rig.steps.script(RunKind::deploy, StepAction::restart, StepResult::failed("web crashed"));
  DeployEngine engine = rig.engine(EngineRig::app(live, false));

  const RunOutcome outcome = engine.deploy(request_for("main"), rig.sink());
  EXPECT_EQ(outcome.result, RunResult::rolled_back);
  EXPECT_EQ(rig.steps.calls, joined(first_deploy_steps(9),
                                    {"automatic_rollback:switch", "automatic_rollback:restart",
                                     "automatic_rollback:verify"}));
}

TEST(DeployEngine, ARollbackThatFailsTooSaysBothAndKeepsTheNewReleaseAsLive) {
  EngineRig rig;
  const Release live = rig.release("20261201T000001Z-aaaa", "aaaa");
  const Release next = rig.release("20261201T000002Z-bbbb", "bbbb");
  rig.steps.checkout_gives(next, EngineRig::app(next, false));
  rig.steps.script(RunKind::deploy, StepAction::verify, StepResult::failed("web not ready"));
  rig.steps.script(RunKind::automatic_rollback, StepAction::verify,
                   StepResult::failed("redis refused"));
  DeployEngine engine = rig.engine(EngineRig::app(live, false));

  const RunOutcome outcome = engine.deploy(request_for("main"), rig.sink());
  EXPECT_EQ(outcome.result, RunResult::failed);
  EXPECT_NE(outcome.reason.find("verify failed: web not ready; the rollback failed too: "
                                "redis refused"),
            std::string::npos)
      << outcome.reason;
  EXPECT_EQ(engine.live_app().id, next.id);  // what the supervisor may partly run now
}

TEST(DeployEngine, ARestoreMadeByTheRollbackIsTheRunsResult) {
  EngineRig rig;
  const Release live = rig.release("20261201T000001Z-aaaa", "aaaa");
  const Release next = rig.release("20261201T000002Z-bbbb", "bbbb");
  rig.steps.checkout_gives(next, EngineRig::app(next, true));
  rig.steps.script(RunKind::deploy, StepAction::verify, StepResult::failed("web not ready"));
  StepResult restored = StepResult::ok("schema back by the backup");
  restored.restored_backup = "restored backups/b.db taken 12:00; writes since are gone";
  rig.steps.script(RunKind::automatic_rollback, StepAction::migrate, restored);
  DeployEngine engine = rig.engine(EngineRig::app(live, true));

  const RunOutcome outcome = engine.deploy(request_for("main"), rig.sink());
  EXPECT_EQ(outcome.result, RunResult::rolled_back);
  EXPECT_EQ(outcome.restored_backup, restored.restored_backup);
  EXPECT_EQ(rig.events.back().restored_backup, restored.restored_backup);
}

TEST(DeployEngine, ALockedHostEndsLockedAndTouchesNothing) {
  EngineRig rig;
  rig.steps.script(RunKind::deploy, StepAction::lock,
                   StepResult::failed("locked: held by bob@laptop"));
  DeployEngine engine = rig.engine({});

  const RunOutcome outcome = engine.deploy(request_for("main"), rig.sink());
  EXPECT_EQ(outcome.result, RunResult::locked);
  EXPECT_EQ(rig.steps.calls, (Calls{"deploy:lock"}));
}

TEST(DeployEngine, AHookAllowedToFailIsNotedAndTheDeploySucceeds) {
  EngineRig rig;
  const Release next = rig.release("20261201T000002Z-bbbb", "bbbb");
  rig.steps.checkout_gives(next, EngineRig::app(next, false));
  rig.steps.script(RunKind::deploy, StepAction::hook, StepResult::failed("slack is down"));
  DeployEngine engine = rig.engine({});

  const RunOutcome outcome = engine.deploy(request_for("main"), rig.sink());
  EXPECT_EQ(outcome.result, RunResult::succeeded);
  EXPECT_EQ(rig.steps.calls, k_deploy_steps);
  EXPECT_TRUE(rig.noted("announce failed; continuing as the playbook allows"));
}

TEST(DeployEngine, AManualRollbackRunsTheRollbackPlaybookToTheNamedRelease) {
  EngineRig rig;
  const Release older = rig.release("20261201T000001Z-aaaa", "aaaa");
  const Release live = rig.release("20261201T000002Z-bbbb", "bbbb");
  rig.make_current(live);
  DeployEngine engine = rig.engine(EngineRig::app(live, true));

  RollbackRequest request;
  request.to = "aaaa";  // a commit prefix
  request.who = "alice@laptop";
  const RunOutcome outcome = engine.rollback(request, rig.sink());
  EXPECT_EQ(outcome.result, RunResult::succeeded) << outcome.reason;
  EXPECT_EQ(rig.steps.calls, (Calls{"rollback:lock", "rollback:migrate", "rollback:switch",
                                    "rollback:restart", "rollback:verify"}));
  EXPECT_EQ(engine.live_app().id, older.id);
}

TEST(DeployEngine, AManualRollbackRefusedByItsMigrateEndsRefused) {
  EngineRig rig;
  rig.release("20261201T000001Z-aaaa", "aaaa");
  const Release live = rig.release("20261201T000002Z-bbbb", "bbbb");
  rig.make_current(live);
  StepResult refusal = StepResult::failed("refused: migration 0003 is marked irreversible");
  refusal.refused = true;
  rig.steps.script(RunKind::rollback, StepAction::migrate, refusal);
  DeployEngine engine = rig.engine(EngineRig::app(live, true));

  RollbackRequest request;
  request.to = "20261201T000001Z";
  request.who = "alice@laptop";
  const RunOutcome outcome = engine.rollback(request, rig.sink());
  EXPECT_EQ(outcome.result, RunResult::refused);
  EXPECT_EQ(outcome.exit_code, 2);
  EXPECT_EQ(rig.steps.calls, (Calls{"rollback:lock", "rollback:migrate"}));
  EXPECT_EQ(engine.live_app().id, live.id);
}

TEST(DeployEngine, ARollbackWithNoTargetIsRefusedBeforeAnyStep) {
  EngineRig rig;
  const Release live = rig.release("20261201T000002Z-bbbb", "bbbb");
  rig.make_current(live);
  DeployEngine engine = rig.engine(EngineRig::app(live, false));

  RollbackRequest request;
  request.who = "alice@laptop";  // no target named, and no release was ever verified good
  const RunOutcome outcome = engine.rollback(request, rig.sink());
  EXPECT_EQ(outcome.result, RunResult::refused);
  EXPECT_NE(outcome.reason.find("no earlier release was verified good"), std::string::npos);
  EXPECT_TRUE(rig.steps.calls.empty());
}

// A deploy a dead agent left before its switch: the new agent puts the schema back (a
// migration had started) and discards the release; the live one never changed.
TEST(DeployEngine, RecoveryUndoesADeployThatDiedBeforeItsSwitch) {
  EngineRig rig;
  const Release live = rig.release("20261201T000001Z-aaaa", "aaaa");
  const Release next = rig.release("20261201T000002Z-bbbb", "bbbb");
  rig.make_current(live);
  const std::string db = rig.settings.layout.state_db().string();
  {
    DeployJournal journal(db);
    const std::int64_t run = journal.begin("deploy", "alice@laptop", "main");
    journal.set_release(run, next.id);
    journal.set_previous(run, live.id, "ref=main");
    journal.step_started(run, "migrate");
    ReleaseLedger ledger(db);
    ReleaseRecord record;
    record.id = next.id;
    record.commit = next.commit;
    record.manifest = "app.yaml";
    ledger.add(record);
    ledger.set_schema(next.id, "0002", std::nullopt);  // its migrate had begun
  }
  DeployEngine engine = rig.engine(EngineRig::app(live, true));

  const std::vector<RunOutcome> outcomes = engine.recover(rig.sink());
  ASSERT_EQ(outcomes.size(), 1U);
  EXPECT_EQ(outcomes.front().result, RunResult::failed);
  EXPECT_NE(outcomes.front().reason.find("the agent died during migrate before the switch"),
            std::string::npos)
      << outcomes.front().reason;
  EXPECT_EQ(rig.steps.calls, (Calls{"deploy:undo-migrate", "deploy:discard"}));
  EXPECT_TRUE(rig.noted("the agent restarted during deploy"));
}

// Switched but never verified: the new agent (running the switched release) rolls back to
// the release that was live before, schema included.
TEST(DeployEngine, RecoveryRollsBackADeployThatDiedAfterItsSwitch) {
  EngineRig rig;
  const Release previous = rig.release("20261201T000001Z-aaaa", "aaaa");
  const Release switched = rig.release("20261201T000002Z-bbbb", "bbbb");
  rig.make_current(switched);
  {
    DeployJournal journal(rig.settings.layout.state_db().string());
    const std::int64_t run = journal.begin("deploy", "alice@laptop", "main");
    journal.set_release(run, switched.id);
    journal.set_previous(run, previous.id, "ref=main");
    journal.step_started(run, "verify");
  }
  DeployEngine engine = rig.engine(EngineRig::app(switched, true));

  const std::vector<RunOutcome> outcomes = engine.recover(rig.sink());
  ASSERT_EQ(outcomes.size(), 1U);
  EXPECT_EQ(outcomes.front().result, RunResult::rolled_back) << outcomes.front().reason;
  EXPECT_EQ(rig.steps.calls, (Calls{"automatic_rollback:switch", "automatic_rollback:migrate",
                                    "automatic_rollback:restart", "automatic_rollback:verify"}));
  EXPECT_EQ(engine.live_app().id, previous.id);
}

TEST(RollbackOptions, RoundTripThroughTheJournalsText) {
  RollbackRequest asked;
  asked.db = DbRollback::restore;
  asked.force = true;
  asked.window = std::chrono::seconds(30);
  asked.to = "v1.2";
  const std::string text = encode_rollback_options(asked);
  EXPECT_EQ(text, "db=restore window=30s force to=v1.2");
  const RollbackRequest read = decode_rollback_options(text);
  EXPECT_EQ(read.db, DbRollback::restore);
  EXPECT_TRUE(read.force);
  EXPECT_EQ(read.window, std::chrono::seconds(30));
  EXPECT_EQ(read.to, "v1.2");
  // An older agent's text, and words this one does not know.
  const RollbackRequest old = decode_rollback_options("db=down window=0s colour=blue");
  EXPECT_EQ(old.db, DbRollback::down);
  EXPECT_FALSE(old.force);
}

}  // namespace
}  // namespace bosun::agent
