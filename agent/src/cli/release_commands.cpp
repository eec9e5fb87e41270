// `bosun-agent releases` and `bosun-agent history`: read from the host's releases and
// state.db directly, so they answer with no daemon running.
#include <Poco/JSON/Array.h>
#include <Poco/JSON/Object.h>

#include "bosun/common/cli.hpp"
#include "bosun/common/duration.hpp"
#include "bosun/common/exit_codes.hpp"
#include "bosun/common/text.hpp"
#include "cli/agent_client_support.hpp"
#include "cli/agent_commands.hpp"
#include "core/host_layout.hpp"
#include "release/release_store.hpp"
#include "state/deploy_journal.hpp"
#include "state/journal.hpp"
#include "state/release_ledger.hpp"

namespace bosun::agent::cli {

using Poco::JSON::Object;

int releases_command(const std::vector<std::string>& args, std::ostream& out, std::ostream& err) {
  std::string root;
  bool json = false;
  bosun::cli::ArgParser parser(
      "bosun-agent releases",
      "List the releases on this host, oldest first, and which one is current.");
  parser.option("root", 'r', "DIR", "the app's root on this host (required)", root)
      .flag("json", 0, "print JSON", json);
  if (const auto code = parser.parse_or_exit_code(args, out, err)) {
    return *code;
  }
  if (root.empty()) {
    err << "bosun-agent releases: --root DIR is required\n";
    return exit_code::k_invalid_input;
  }
  const std::vector<release::Release> releases = release::ReleaseStore(root).list();
  HostLayout{root}.create();
  state::ReleaseLedger ledger(HostLayout{root}.state_db().string());
  const auto record_of = [&](const release::Release& release) {
    return ledger.find(release.id).value_or(state::ReleaseRecord{});
  };
  const auto schema_text = [](const state::ReleaseRecord& record) {
    return record.schema ? (record.schema->empty() ? std::string("base") : *record.schema)
                         : std::string("-");
  };
  if (json) {
    Poco::JSON::Array::Ptr list = new Poco::JSON::Array;
    for (const release::Release& release : releases) {
      Object::Ptr entry = new Object(Poco::JSON_PRESERVE_KEY_ORDER);
      entry->set("id", release.id);
      entry->set("commit", release.commit);
      entry->set("current", release.current);
      const state::ReleaseRecord record = record_of(release);
      entry->set("state", record.id.empty() ? std::string("unknown") : to_string(record.state));
      entry->set("reason", record.reason);
      entry->set("restored_backup", record.restored);
      entry->set("schema_version",
                 record.schema ? Poco::Dynamic::Var(*record.schema) : Poco::Dynamic::Var());
      entry->set("verified_unix_ms", record.verified_unix_ms
                                         ? Poco::Dynamic::Var(*record.verified_unix_ms)
                                         : Poco::Dynamic::Var());
      entry->set("path", release.path.string());
      list->add(entry);
    }
    Object::Ptr body = new Object;
    body->set("releases", list);
    body->stringify(out);
    out << "\n";
    return exit_code::k_ok;
  }
  if (releases.empty()) {
    out << "no releases under " << root << "/releases\n";
    return exit_code::k_ok;
  }
  out << pad_column("RELEASE", 27) << pad_column("COMMIT", 14) << pad_column("STATE", 10)
      << pad_column("SCHEMA", 14) << "CURRENT\n";
  for (const release::Release& release : releases) {
    const state::ReleaseRecord record = record_of(release);
    out << pad_column(release.id, 27) << pad_column(release.commit.substr(0, 12), 14)
        << pad_column(record.id.empty() ? "unknown" : to_string(record.state), 10)
        << pad_column(schema_text(record), 14) << (release.current ? "*" : "")
        << (record.reason.empty() ? "" : "  " + record.reason)
        << (record.restored.empty() ? "" : "  (" + record.restored + ")") << "\n";
  }
  return exit_code::k_ok;
}

int history_command(const std::vector<std::string>& args, std::ostream& out, std::ostream& err) {
  std::string root;
  std::string limit = "20";
  bool json = false;
  bosun::cli::ArgParser parser(
      "bosun-agent history",
      "Deploys and rollbacks on this host, newest first: who, commit, release, steps with "
      "their durations, result and reason.");
  parser.option("root", 'r', "DIR", "the app's root on this host (required)", root)
      .option("limit", 'n', "N", "how many runs (default 20)", limit)
      .flag("json", 0, "print JSON", json);
  if (const auto code = parser.parse_or_exit_code(args, out, err)) {
    return *code;
  }
  if (root.empty() || limit.empty() || limit.size() > 6 ||
      limit.find_first_not_of("0123456789") != std::string::npos) {
    err << "bosun-agent history: --root DIR is required and -n takes a number\n";
    return exit_code::k_invalid_input;
  }
  HostLayout{root}.create();
  const auto runs =
      state::DeployJournal(HostLayout{root}.state_db().string()).history(std::stoul(limit));
  const auto took = [](std::int64_t from, const std::optional<std::int64_t>& to) {
    return to ? format_duration(std::chrono::milliseconds(*to - from)) : std::string("-");
  };
  if (json) {
    Poco::JSON::Array::Ptr list = new Poco::JSON::Array;
    for (const state::RunRecord& run : runs) {
      Object::Ptr entry = new Object(Poco::JSON_PRESERVE_KEY_ORDER);
      entry->set("id", run.id);
      entry->set("kind", run.kind);
      entry->set("who", run.who);
      entry->set("commit", run.commit);
      entry->set("release", run.release);
      entry->set("started_unix_ms", run.started_unix_ms);
      entry->set("finished_unix_ms", run.finished_unix_ms
                                         ? Poco::Dynamic::Var(*run.finished_unix_ms)
                                         : Poco::Dynamic::Var());
      entry->set("result", run.result.empty() ? "interrupted" : run.result);
      entry->set("reason", run.reason);
      Poco::JSON::Array::Ptr steps = new Poco::JSON::Array;
      for (const state::StepRecord& step : run.steps) {
        Object::Ptr s = new Object(Poco::JSON_PRESERVE_KEY_ORDER);
        s->set("name", step.name);
        s->set("outcome", step.outcome.empty() ? "interrupted" : step.outcome);
        s->set("duration_ms", step.finished_unix_ms ? Poco::Dynamic::Var(*step.finished_unix_ms -
                                                                         step.started_unix_ms)
                                                    : Poco::Dynamic::Var());
        s->set("detail", step.detail);
        steps->add(s);
      }
      entry->set("steps", steps);
      list->add(entry);
    }
    Object::Ptr body = new Object;
    body->set("runs", list);
    body->stringify(out);
    out << "\n";
    return exit_code::k_ok;
  }
  if (runs.empty()) {
    out << "no deploys or rollbacks recorded under " << root << "\n";
    return exit_code::k_ok;
  }
  for (const state::RunRecord& run : runs) {
    out << "#" << run.id << " " << run.kind << " " << run.commit.substr(0, 12) << " by " << run.who
        << ": " << (run.result.empty() ? "interrupted" : run.result) << " in "
        << took(run.started_unix_ms, run.finished_unix_ms)
        << (run.reason.empty() ? "" : " (" + run.reason + ")") << "\n";
    for (const state::StepRecord& step : run.steps) {
      out << "    " << pad_column(step.name, 12)
          << pad_column(step.outcome.empty() ? "interrupted" : step.outcome, 12)
          << took(step.started_unix_ms, step.finished_unix_ms)
          << (step.detail.empty() ? "" : "  " + step.detail) << "\n";
    }
  }
  return exit_code::k_ok;
}

}  // namespace bosun::agent::cli
