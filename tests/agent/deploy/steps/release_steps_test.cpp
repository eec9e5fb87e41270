// The steps that work on the host's releases (fetch, checkout, switch, discard, prune) on a
// recording fake of the releases (tests/support/fake_releases): what each asks of them, what it
// records in the ledger and the run, with no git, mirror or process.
#include <gtest/gtest.h>

#include <memory>

#include "agent_namespaces.hpp"
#include "child_process.hpp"
#include "deploy/run_reporter.hpp"
#include "deploy/steps/builtin_steps.hpp"
#include "fake_releases.hpp"
#include "state/deploy_journal.hpp"
#include "state/journal.hpp"
#include "state/lock_holder.hpp"
#include "state/release_ledger.hpp"
#include "supervise/supervisor.hpp"

namespace bosun::agent {
namespace {

const std::string k_manifest =
    "app: shop\nrepo: /srv/shop.git\nshared: [uploads, .env]\nkeep_releases: 2\n"
    "services:\n  web:\n    command: [sleep, \"1000\"]\n";

// One run's context over the fake releases, real state.db stores under a temporary root.
class StepRig {
  test::TempDir m_dir;  // first: the members below live in it

 public:
  explicit StepRig(RunKind kind = RunKind::deploy)
      : releases(m_dir.path(), k_manifest), m_kind(kind) {
    settings.layout = HostLayout{m_dir.path()};
    settings.layout.create();
    const std::string db = settings.layout.state_db().string();
    ledger = std::make_unique<ReleaseLedger>(db);
    m_journal = std::make_unique<DeployJournal>(db);
    m_events = std::make_unique<Journal>(m_dir.path() + "/events.db");
    m_supervisor =
        std::make_unique<Supervisor>(std::vector<ServiceSpec>{}, settings.layout, *m_events);
    m_lock = std::make_unique<LockHolder>(db);
    m_run = m_journal->begin("deploy", "alice@laptop", "main");
    m_report = std::make_unique<RunReporter>(*m_journal, m_sink, m_run);
    state.from.manifest.repo = "/srv/live.git";
    state.from.manifest.keep_releases = 2;
  }

  StepResult run(const DeployStep& step, RunIntent intent = {}) {
    RunContext context{
        m_kind,
        std::move(intent),
        state,
        {settings, releases, *ledger, *m_journal, *m_supervisor, *m_lock, *m_report}};
    return step.run(context, PlannedStep{});
  }
  std::optional<ReleaseRecord> record(const std::string& id) { return ledger->find(id); }
  std::string run_commit() { return m_journal->history(1).front().commit; }

  AgentSettings settings;
  test::FakeReleases releases;
  RunState state;
  std::unique_ptr<ReleaseLedger> ledger;

 private:
  RunKind m_kind;
  std::unique_ptr<DeployJournal> m_journal;
  std::unique_ptr<Journal> m_events;
  std::unique_ptr<Supervisor> m_supervisor;
  std::unique_ptr<LockHolder> m_lock;
  std::int64_t m_run = 0;
  EventSink m_sink = [](DeployEvent) {};
  std::unique_ptr<RunReporter> m_report;
};

TEST(ReleaseSteps, FetchUsesTheAskedRepositoryOrTheLiveOnesAndResolvesTheRef) {
  StepRig rig;
  rig.releases.add_ref("main", "c0ffee1234567890");
  RunIntent intent;
  intent.ref = "main";
  StepResult result = rig.run(fetch_step(), intent);
  EXPECT_EQ(result.outcome, StepOutcome::ok) << result.detail;
  EXPECT_EQ(rig.releases.calls, (std::vector<std::string>{"fetch /srv/live.git"}));
  EXPECT_EQ(rig.state.commit, "c0ffee1234567890");
  EXPECT_EQ(rig.run_commit(), "c0ffee1234567890");
  EXPECT_EQ(result.detail, "main is c0ffee123456");

  intent.repo = "/srv/other.git";
  rig.run(fetch_step(), intent);
  EXPECT_EQ(rig.releases.calls.back(), "fetch /srv/other.git");

  rig.state.from.manifest.repo.clear();
  intent.repo.clear();
  result = rig.run(fetch_step(), intent);
  EXPECT_TRUE(result.failed());
  EXPECT_NE(result.detail.find("no repository"), std::string::npos);
}

TEST(ReleaseSteps, CheckoutMakesTheTargetRecordsItBuiltAndLinksItsSharedPaths) {
  StepRig rig;
  EXPECT_TRUE(rig.run(checkout_step()).failed());  // nothing fetched yet
  rig.state.commit = "c0ffee1234567890";
  const StepResult result = rig.run(checkout_step());
  ASSERT_EQ(result.outcome, StepOutcome::ok) << result.detail;
  ASSERT_TRUE(rig.state.release && rig.state.target);
  EXPECT_EQ(rig.state.target->manifest.app, "shop");
  EXPECT_EQ(rig.state.target->commit, "c0ffee1234567890");
  const std::string id = rig.state.release->id;
  EXPECT_EQ(rig.releases.calls, (std::vector<std::string>{"checkout c0ffee1234567890",
                                                          "link " + id + " uploads .env"}));
  const auto record = rig.record(id);
  ASSERT_TRUE(record.has_value());
  EXPECT_EQ(record->state, ReleaseState::built);
}

TEST(ReleaseSteps, SwitchMarksADeploysTargetLiveButNotARollbacks) {
  for (const RunKind kind : {RunKind::deploy, RunKind::rollback}) {
    StepRig rig(kind);
    const Release release = rig.releases.add_release("c0ffee1234567890");
    rig.ledger->add(
        {release.id, release.commit, "app.yaml", ReleaseState::built, "", {}, {}, "", 0, {}});
    rig.state.release = release;
    rig.state.target = ReleaseApp{};
    ASSERT_EQ(rig.run(switch_step()).outcome, StepOutcome::ok);
    EXPECT_EQ(rig.releases.calls.back(), "switch " + release.id);
    EXPECT_TRUE(rig.state.switched);
    EXPECT_EQ(rig.record(release.id)->state,
              kind == RunKind::deploy ? ReleaseState::live : ReleaseState::built);
  }
}

TEST(ReleaseSteps, DiscardRemovesTheCheckedOutReleaseOnly) {
  StepRig rig;
  EXPECT_EQ(rig.run(discard_step()).outcome, StepOutcome::skipped);
  rig.state.release = rig.releases.add_release("c0ffee1234567890");
  EXPECT_EQ(rig.run(discard_step()).outcome, StepOutcome::ok);
  EXPECT_EQ(rig.releases.calls.back(), "discard " + rig.state.release->id);
  EXPECT_TRUE(rig.releases.list().empty());
}

// keep_releases: 2 keeps the two newest good releases (the current one among them) and
// discards the rest, the failed ones included; the ledger says why.
TEST(ReleaseSteps, PruneKeepsTheNewestGoodReleasesAndDiscardsTheRest) {
  StepRig rig;
  std::vector<Release> made;
  for (int i = 0; i < 5; ++i) {
    made.push_back(rig.releases.add_release("c0ffee000000000" + std::to_string(i), i == 4));
    const ReleaseState state = i == 3 ? ReleaseState::failed : ReleaseState::good;
    rig.ledger->add({made.back().id, made.back().commit, "app.yaml", state, "", {}, {}, "", 0, {}});
  }
  const StepResult result = rig.run(prune_step());
  ASSERT_EQ(result.outcome, StepOutcome::ok) << result.detail;
  std::vector<std::string> kept;
  for (const Release& release : rig.releases.list()) {
    kept.push_back(release.id);
  }
  EXPECT_EQ(kept, (std::vector<std::string>{made[2].id, made[4].id}));
  EXPECT_EQ(rig.record(made[0].id)->state, ReleaseState::discarded);
  EXPECT_EQ(rig.record(made[3].id)->state, ReleaseState::discarded);
  EXPECT_EQ(rig.record(made[4].id)->state, ReleaseState::good);
}

TEST(ReleaseSteps, DeployOnlyStepsAreSkippedInARollback) {
  StepRig rig(RunKind::rollback);
  for (const DeployStep* step : {&fetch_step(), &checkout_step(), &prune_step()}) {
    const StepResult result = rig.run(*step);
    EXPECT_EQ(result.outcome, StepOutcome::skipped);
    EXPECT_EQ(result.detail, "not part of a rollback");
  }
  EXPECT_TRUE(rig.releases.calls.empty());
}

}  // namespace
}  // namespace bosun::agent
