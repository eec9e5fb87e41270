#include "cli/fleet_commands.hpp"

#include <signal.h>
#include <unistd.h>

#include <atomic>
#include <filesystem>

#include "bosun/common/duration.hpp"
#include "bosun/common/exit_codes.hpp"
#include "bosun/manifest/diagnostics.hpp"
#include "bosun/playbook/playbook.hpp"
#include "bosun/playbook/shipped.hpp"
#include "cli/controller_context.hpp"
#include "cli/progress_printer.hpp"
#include "fleet/fleet_run.hpp"
#include "project/history_store.hpp"
#include "project/local_repo.hpp"

namespace bosun::controller::cli {
namespace {

std::atomic<bool> g_interrupted{false};

// The first Ctrl-C stops scheduling (hosts in flight finish, locks are released, the report
// is printed); a second one ends bosun at once.
void on_interrupt(int) {
  g_interrupted = true;
}

void install_interrupt_handler() {
  struct sigaction action {};
  action.sa_handler = on_interrupt;
  action.sa_flags = static_cast<int>(SA_RESETHAND);
  sigemptyset(&action.sa_mask);
  ::sigaction(SIGINT, &action, nullptr);
}

ProgressMode progress_mode(const GlobalOptions& options) {
  if (options.json) {
    return ProgressMode::json;
  }
  const char* term = std::getenv("TERM");
  const bool terminal =
      ::isatty(STDOUT_FILENO) == 1 && (term == nullptr || std::string(term) != "dumb");
  return terminal ? ProgressMode::live : ProgressMode::plain;
}

std::int64_t unix_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// --lock-wait DURATION into `into`; false after saying why.
bool parse_lock_wait(const std::string& text, std::chrono::milliseconds& into,
                     const std::string& command, std::ostream& err) {
  if (text.empty()) {
    return true;
  }
  const auto wait = parse_duration(text);
  if (!wait) {
    err << command << ": --lock-wait: " << wait.error() << "\n";
    return false;
  }
  into = *wait;
  return true;
}

std::vector<std::string> names_of(std::vector<host::HostSession>& hosts) {
  std::vector<std::string> names;
  for (host::HostSession& host : hosts) {
    names.push_back(host.name());
  }
  return names;
}

void remember(ControllerContext& context, const std::string& kind, const std::string& commit,
              std::int64_t started, const fleet::FleetOutcome& outcome, std::ostream& err) {
  try {
    project::HistoryStore store(context.project_dir() + "/.bosun/history.db");
    store.record({0, kind, context.stage_name(), ControllerContext::who(), commit, started,
                  unix_ms(), outcome.ok, outcome.summary, outcome.hosts});
  } catch (const std::exception& error) {
    err << "bosun: the run is not in the local history: " << error.what() << "\n";
  }
}

}  // namespace

int deploy_command(const std::vector<std::string>& args, std::ostream& out, std::ostream& err) {
  const std::string command = "bosun deploy";
  GlobalOptions globals;
  std::string ref;
  std::string commit;
  std::string playbook_file;
  std::string lock_wait;
  bosun::cli::ArgParser parser(
      command,
      "Deploy a commit to every host of a stage: hosts checked and locked first, then deployed "
      "in the playbook's batches (canary first); each host's agent builds, migrates, switches, "
      "restarts and verifies, and rolls back by itself on failure. Failures beyond max_fail "
      "stop the stage and roll back the hosts already deployed.");
  globals.add_to(parser);
  parser.option("ref", 0, "REF", "branch, tag or commit to deploy (default: HEAD)", ref)
      .option("commit", 0, "SHA", "deploy exactly this commit", commit)
      .option("playbook", 0, "FILE", "the playbook whose strategy to use (default: shipped)",
              playbook_file)
      .option("lock-wait", 0, "DURATION", "wait this long for locked hosts", lock_wait)
      .epilog(
          "Exit status: 0 every host deployed and verified, 1 a host failed or the stage "
          "stopped, 2 bad usage or manifest.\n");
  if (const auto code = parser.parse_or_exit_code(args, out, err)) {
    return *code;
  }
  auto context = ControllerContext::open(globals, command, err);
  if (!context) {
    return exit_code::k_invalid_input;
  }
  const auto repo = project::resolve_in_repo(globals.config, commit.empty() ? ref : commit);
  if (!repo) {
    err << command << ": " << repo.error() << "\n";
    return exit_code::k_invalid_input;
  }
  if (repo->manifest_differs) {
    err << command << ": warning: " << globals.config << " differs from the one in "
        << short_commit(repo->commit)
        << " (uncommitted changes): the hosts deploy the committed one; commit it to deploy "
           "your changes\n";
  }
  const playbook::LoadResult loaded =
      playbook_file.empty()
          ? playbook::parse_playbook(playbook::shipped_deploy_playbook(), "playbooks/deploy.yaml")
          : playbook::load_playbook_file(playbook_file);
  if (!loaded.ok()) {
    err << manifest::format_diagnostics(loaded.diagnostics);
    return exit_code::k_invalid_input;
  }
  fleet::DeployPlan plan;
  plan.commit = repo->commit;
  plan.who = ControllerContext::who();
  plan.repo = context->manifest().repo;
  plan.manifest_in_repo = repo->manifest_in_repo;
  plan.strategy = loaded.playbook->strategy;
  if (!parse_lock_wait(lock_wait, plan.lock_wait, command, err)) {
    return exit_code::k_invalid_input;
  }
  std::vector<host::HostSession>& hosts = context->hosts();
  if (!globals.json) {
    out << "deploying " << short_commit(plan.commit) << " of " << context->manifest().app << " to "
        << hosts.size() << " host(s)"
        << (context->stage_name().empty() ? "" : " of " + context->stage_name()) << "\n";
  }
  ProgressPrinter printer(out, progress_mode(globals), names_of(hosts));
  install_interrupt_handler();
  const std::int64_t started = unix_ms();
  const fleet::FleetOutcome outcome = deploy_fleet(
      hosts, plan,
      [&](const std::string& host, const host::AgentEvent& event) {
        printer.on_event(host, event);
      },
      g_interrupted);
  printer.finish(outcome, "deploy of " + short_commit(plan.commit));
  remember(*context, "deploy", plan.commit, started, outcome, err);
  return outcome.ok ? exit_code::k_ok : exit_code::k_failed;
}

int rollback_command(const std::vector<std::string>& args, std::ostream& out, std::ostream& err) {
  const std::string command = "bosun rollback";
  GlobalOptions globals;
  std::string release;
  std::string db = "auto";
  std::string lock_wait;
  bool force = false;
  bosun::cli::ArgParser parser(
      command,
      "Put every host of a stage back on its last release that was verified good (or on "
      "RELEASE: a release id or a prefix of it, a commit (full or short), a tag or a branch), "
      "all hosts at once: switch, restart, "
      "verify; the schema goes down with the leaving release's own scripts, or is restored "
      "from the backup (--db), or left alone.");
  globals.add_to(parser);
  parser
      .positional("RELEASE", "the release to go back to (default: the last good one)", release,
                  false)
      .option("db", 0, "MODE", "auto, down, restore or none (default auto)", db)
      .flag("force", 0, "with --db restore: also across an irreversible migration", force)
      .option("lock-wait", 0, "DURATION", "wait this long for locked hosts", lock_wait)
      .epilog(
          "Exit status: 0 every host rolled back and verified, 1 a host failed, 2 bad "
          "usage.\n");
  if (const auto code = parser.parse_or_exit_code(args, out, err)) {
    return *code;
  }
  if (db != "auto" && db != "down" && db != "restore" && db != "none") {
    err << command << ": --db takes auto, down, restore or none, not \"" << db << "\"\n";
    return exit_code::k_invalid_input;
  }
  auto context = ControllerContext::open(globals, command, err);
  if (!context) {
    return exit_code::k_invalid_input;
  }
  fleet::RollbackPlan plan;
  plan.to = release;
  plan.db = db;
  plan.force = force;
  plan.who = ControllerContext::who();
  if (!parse_lock_wait(lock_wait, plan.lock_wait, command, err)) {
    return exit_code::k_invalid_input;
  }
  std::vector<host::HostSession>& hosts = context->hosts();
  ProgressPrinter printer(out, progress_mode(globals), names_of(hosts));
  const std::int64_t started = unix_ms();
  const fleet::FleetOutcome outcome =
      rollback_fleet(hosts, plan, [&](const std::string& host, const host::AgentEvent& event) {
        printer.on_event(host, event);
      });
  printer.finish(outcome, "rollback" + (release.empty() ? std::string() : " to " + release));
  remember(*context, "rollback", release, started, outcome, err);
  return outcome.ok ? exit_code::k_ok : exit_code::k_failed;
}

}  // namespace bosun::controller::cli
