// `bosun gap`: the manifest's requirements checked on the laptop and on every host (by its
// agent, against the same manifest uploaded), compared row by row, then printed as a table or
// JSON. Environment values are never shown: presence, length and a short salted hash.

#include <Poco/JSON/Array.h>
#include <Poco/JSON/Object.h>

#include <filesystem>

#include "bosun/checks/app_requirements.hpp"
#include "bosun/checks/report.hpp"
#include "bosun/checks/requirements.hpp"
#include "bosun/common/environment.hpp"
#include "bosun/common/exit_codes.hpp"
#include "bosun/common/text.hpp"
#include "bosun/common/text_file.hpp"
#include "cli/host_commands.hpp"
#include "host/host_queries.hpp"

namespace bosun::controller::cli {
namespace {

// One host's side: its agent's report, or why there is none.
struct HostGap {
  std::optional<checks::Report> report;
  std::string failure;
};

// One requirement across the laptop and every host.
struct GapRow {
  std::string requirement;  // "env JWT_SECRET_KEY"
  std::string required;
  const checks::ReportItem* local = nullptr;
  std::vector<std::pair<std::string, std::string>> hosts;  // host name, evidence
  std::string hosts_text;                                  // for the table's column
  std::string status = "ok";                               // ok, warn or FAIL
  std::string action;
  bool blocking = false;
};

// The laptop: its environment plus the manifest's env and .bosun/secrets.
// The app's own files in the working copy count too (its runtimes), but not its database: the
// laptop's DATABASE_URL may well be production's, and gap only looks.
checks::Report laptop_report(const manifest::Manifest& manifest, const std::string& manifest_path,
                             const std::map<std::string, std::string>& secrets) {
  checks::RequirementInputs local;
  local.env = process_environment();
  for (const manifest::EnvVar& var : manifest.env) {
    local.env[var.name] = var.value;
  }
  for (const auto& [name, value] : secrets) {
    local.env[name] = value;
  }
  auto rows = checks::check_requirements(manifest.requires_, local);
  checks::AppRequirementInputs app;
  app.release_dir = std::filesystem::absolute(manifest_path).parent_path().string();
  app.env = local.env;
  app.services = manifest.services;  // the laptop builds no image: its engine is not checked
  for (checks::RequirementRow& row : checks::check_app_requirements(app)) {
    rows.push_back(std::move(row));
  }
  return checks::requirements_report(rows);
}

std::vector<HostGap> host_reports(std::vector<host::HostSession>& hosts,
                                  const std::string& manifest_text) {
  std::vector<HostGap> gaps(hosts.size());
  host::each_host(hosts, [&](std::size_t i, host::HostSession& host) {
    try {
      host.connect();
      const std::string path = host.target().root + "/setup/app.yaml";
      host.transport().upload(manifest_text, path, 0644);
      // --root: the app's files (package.json, alembic.ini) are read from the live release.
      const transport::RemoteResult gap = host.agent_capture(
          "gap", {"-c", path, "--root", host.target().root, "--json"}, host::k_query_timeout);
      gaps[i].report = checks::parse_report_json(gap.output);
      if (!gaps[i].report) {
        gaps[i].failure = gap.error.empty() ? gap.output : gap.error;
      }
    } catch (const std::exception& error) {
      gaps[i].failure = error.what();
    }
  });
  return gaps;
}

// The rows: each laptop requirement with every host's result for it (the agents check the
// same manifest, so their items come in the same order).
std::vector<GapRow> compare(const checks::Report& laptop, std::vector<host::HostSession>& hosts,
                            const std::vector<HostGap>& gaps) {
  std::vector<GapRow> rows;
  for (std::size_t r = 0; r < laptop.items.size(); ++r) {
    const checks::ReportItem& mine = laptop.items[r];
    GapRow row;
    row.requirement = mine.group + (mine.name.empty() ? "" : " " + mine.name);
    row.required = mine.required;
    row.local = &mine;
    for (std::size_t h = 0; h < hosts.size(); ++h) {
      if (!gaps[h].report || r >= gaps[h].report->items.size()) {
        row.hosts_text += hosts[h].name() + ": unknown; ";
        row.status = "FAIL";
        continue;
      }
      const checks::ReportItem& theirs = gaps[h].report->items[r];
      row.hosts_text += (hosts.size() > 1 ? hosts[h].name() + ": " : "") + theirs.result.evidence +
                        (hosts.size() > 1 ? "; " : "");
      row.hosts.emplace_back(hosts[h].name(), theirs.result.evidence);
      if (theirs.result.status == checks::Status::fail && theirs.blocking) {
        row.status = "FAIL";
        row.blocking = true;
        row.action = theirs.result.action;
      } else if (theirs.result.status != checks::Status::pass && row.status == "ok") {
        row.status = "warn";
        row.action = theirs.result.action;
      }
    }
    rows.push_back(std::move(row));
  }
  return rows;
}

void print_table(const std::vector<GapRow>& rows, bool blocking, std::ostream& out) {
  out << pad_column("REQUIREMENT", 26) << pad_column("REQUIRED", 12) << pad_column("LOCAL", 30)
      << pad_column("HOST(S)", 40) << pad_column("STATUS", 8) << "ACTION\n";
  for (const GapRow& row : rows) {
    out << pad_column(row.requirement, 26) << pad_column(row.required, 12)
        << pad_column(row.local->result.evidence.substr(0, 28), 30)
        << pad_column(row.hosts_text.substr(0, 38), 40) << pad_column(row.status, 8) << row.action
        << "\n";
  }
  out << (blocking ? "blocking gaps: a deploy would stop at preflight\n" : "no blocking gap\n");
}

void print_json(const std::vector<GapRow>& rows, bool blocking, std::ostream& out) {
  Poco::JSON::Array::Ptr list = new Poco::JSON::Array;
  for (const GapRow& row : rows) {
    Poco::JSON::Object::Ptr item = new Poco::JSON::Object(Poco::JSON_PRESERVE_KEY_ORDER);
    item->set("requirement", row.requirement);
    item->set("required", row.required);
    item->set("local", row.local->result.evidence);
    item->set("local_status", checks::to_string(row.local->result.status));
    Poco::JSON::Object::Ptr per_host = new Poco::JSON::Object;
    for (const auto& [host, evidence] : row.hosts) {
      per_host->set(host, evidence);
    }
    item->set("hosts", per_host);
    item->set("status", row.status);
    item->set("action", row.action);
    list->add(item);
  }
  Poco::JSON::Object body;
  body.set("blocking", blocking);
  body.set("rows", list);
  body.stringify(out);
  out << "\n";
}

}  // namespace

int gap_command(const std::vector<std::string>& args, std::ostream& out, std::ostream& err) {
  const std::string command = "bosun gap";
  GlobalOptions globals;
  bosun::cli::ArgParser parser(
      command,
      "What the app requires against what this laptop and every host have, side by side: "
      "Requirement | Required | Local | Host(s) | Status | Action. Environment values are "
      "never shown: presence, length and a short salted hash, so a value that differs "
      "between the laptop and a host shows without leaking.");
  globals.add_to(parser);
  parser.epilog("Exit status: 0 no blocking gap on any host, 1 otherwise.\n");
  int code = 0;
  auto context = host::open_context(globals, parser, args, command, out, err, code);
  if (!context) {
    return code;
  }
  const auto secrets = context->read_secrets(command, err);
  if (!secrets) {
    return exit_code::k_invalid_input;
  }
  const checks::Report laptop = laptop_report(context->manifest(), globals.config, *secrets);
  std::vector<host::HostSession>& hosts = context->hosts();
  const std::vector<HostGap> gaps =
      host_reports(hosts, read_text_file(globals.config).value_or(""));
  const std::vector<GapRow> rows = compare(laptop, hosts, gaps);
  bool blocking =
      std::any_of(rows.begin(), rows.end(), [](const GapRow& row) { return row.blocking; });
  for (std::size_t h = 0; h < hosts.size(); ++h) {
    if (!gaps[h].failure.empty()) {
      blocking = true;
      err << hosts[h].name() << ": " << gaps[h].failure << "\n";
    }
  }
  if (globals.json) {
    print_json(rows, blocking, out);
  } else {
    print_table(rows, blocking, out);
  }
  return blocking ? exit_code::k_failed : exit_code::k_ok;
}

}  // namespace bosun::controller::cli
