#include "cli/report_cli.hpp"

#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "bosun/checks/app_requirements.hpp"
#include "bosun/checks/requirements.hpp"
#include "bosun/common/exit_codes.hpp"
#include "bosun/manifest/diagnostics.hpp"
#include "bosun/manifest/loader.hpp"
#include "bosun/manifest/variables.hpp"
#include "cli/agent_client_support.hpp"
#include "core/host_layout.hpp"
#include "state/journal.hpp"
#include "supervise/service_spec.hpp"

namespace bosun::agent::cli {

namespace fs = std::filesystem;

void ReportFormat::add_to(bosun::cli::ArgParser& parser) {
  parser.flag("json", 0, "JSON (schema bosun.report/1, docs/REPORTS.md)", json)
      .flag("md", 0, "Markdown", markdown)
      .flag("html", 0, "one self-contained HTML page", html)
      .flag("no-color", 0, "no colour on a terminal (NO_COLOR is honoured too)", no_color)
      .option("output", 'o', "FILE", "write the report to FILE instead of stdout", output);
}

bool ReportFormat::write(const checks::Report& report, std::ostream& out, std::ostream& err,
                         const std::string& command) const {
  std::string text;
  if (json) {
    text = checks::render_json(report) + "\n";
  } else if (markdown) {
    text = checks::render_markdown(report);
  } else if (html) {
    text = checks::render_html(report);
  } else {
    const bool to_terminal = output.empty() && !no_color && checks::want_color(STDOUT_FILENO);
    text = checks::render_text(report, {to_terminal});
  }
  if (output.empty()) {
    out << text;
    return true;
  }
  std::ofstream file(output);
  file << text;
  if (!file) {
    err << command << ": cannot write " << output << "\n";
    return false;
  }
  out << report.verdict() << "; report written to " << output << "\n";
  return true;
}

int ready_command(const std::vector<std::string>& args, std::ostream& out, std::ostream& err) {
  const std::string command = "bosun-agent ready";
  SocketOptions socket;
  ReportFormat format;
  bosun::cli::ArgParser parser(
      command,
      "Is the running app ready? The seed runbook's checklist with evidence and actions: "
      "services running without restart loops, health endpoints, the database and its schema, "
      "the API's smoke checks, environment variables, recent log errors, reachability of the "
      "endpoints the services use, certificates and host resources.");
  socket.add_to(parser);
  format.add_to(parser);
  parser.epilog("Exit status: 0 ready, 1 not ready, 2 bad usage or no agent.\n");
  if (const auto code = parser.parse_or_exit_code(args, out, err)) {
    return *code;
  }
  const auto response = call(socket, "GET", "/v1/ready", command, err);
  if (!response) {
    return exit_code::k_invalid_input;
  }
  const auto report = checks::parse_report_json(response->body);
  if (!report) {
    err << command << ": the agent's answer is not a report\n";
    return exit_code::k_failed;
  }
  if (!format.write(*report, out, err, command)) {
    return exit_code::k_invalid_input;
  }
  return report->ok() ? exit_code::k_ok : exit_code::k_failed;
}

namespace {

// What the app's own files next to `manifest_path` (or in the live release) ask for: runtimes,
// the alembic revision.
std::vector<checks::RequirementRow> app_requirement_rows(
    const std::string& manifest_path, const std::string& root, const manifest::Manifest& manifest,
    const std::map<std::string, std::string>& env) {
  checks::AppRequirementInputs app;
  app.release_dir = fs::absolute(manifest_path).parent_path().string();
  // A manifest uploaded alone (bosun gap puts it in ROOT/setup/): the app's files are the live
  // release's.
  const bool alone = !fs::exists(fs::path(app.release_dir) / ".git") &&
                     !fs::exists(fs::path(app.release_dir) / "package.json") &&
                     !fs::exists(fs::path(app.release_dir) / "alembic.ini");
  if (!root.empty() && alone && fs::exists(HostLayout{root}.current())) {
    app.release_dir = fs::canonical(HostLayout{root}.current()).string();
  }
  app.database = manifest.database;
  app.sqlite_path = app.database.path;
  if (!root.empty()) {
    const HostLayout layout{root};
    const std::map<std::string, std::string> variables{{"shared", layout.shared().string()},
                                                       {"root", layout.root.string()}};
    app.sqlite_path =
        manifest::expand_variables(app.database.path, variables).value_or(app.database.path);
  }
  app.env = env;
  app.services = manifest.services;
  app.on_host = true;
  app.app = manifest.app;
  return checks::check_app_requirements(app);
}

}  // namespace

int gap_command(const std::vector<std::string>& args, std::ostream& out, std::ostream& err) {
  std::string root;
  std::string manifest_path;
  ReportFormat format;
  bosun::cli::ArgParser parser(
      "bosun-agent gap",
      "Check the manifest's `requires` on this host: tools and their versions, environment "
      "variables (values never shown: length and a salted hash), free ports, disk, memory, "
      "files, OS.");
  parser
      .option("config", 'c', "FILE", "the manifest (default: ROOT/current/app.yaml)", manifest_path)
      .option("root", 'r', "DIR", "the app's root: its shared/.env counts, disk is measured there",
              root)
      .epilog("Exit status: 0 nothing blocking, 1 a blocking gap, 2 bad usage or manifest.\n");
  format.add_to(parser);
  if (const auto code = parser.parse_or_exit_code(args, out, err)) {
    return *code;
  }
  if (manifest_path.empty()) {
    if (root.empty()) {
      err << "bosun-agent gap: give -c FILE or --root DIR\n";
      return exit_code::k_invalid_input;
    }
    manifest_path = (HostLayout{root}.current() / "app.yaml").string();
  }
  const manifest::LoadResult loaded = manifest::load_manifest_file(manifest_path);
  if (!loaded.ok()) {
    for (const auto& diagnostic : loaded.diagnostics) {
      err << manifest::format_diagnostic(diagnostic) << "\n";
    }
    return exit_code::k_invalid_input;
  }
  checks::RequirementInputs inputs;
  inputs.env = process_environment();
  for (const manifest::EnvVar& var : loaded.manifest->env) {
    inputs.env[var.name] = var.value;
  }
  if (!root.empty()) {
    const HostLayout layout{root};
    inputs.disk_path = layout.root.string();
    try {
      for (const auto& [name, value] : read_dotenv_file(layout.env_file().string())) {
        inputs.env[name] = value;
      }
    } catch (const std::exception& error) {
      err << "bosun-agent gap: " << error.what() << "\n";
      return exit_code::k_invalid_input;
    }
    std::error_code ignored;
    for (const auto& record : fs::directory_iterator(layout.run_dir(), ignored)) {
      std::ifstream in(record.path());
      int pid = 0;
      if (in >> pid && pid > 0) {
        inputs.own_pids.push_back(pid);  // the app's own services may hold its ports
      }
    }
  }
  auto rows = checks::check_requirements(loaded.manifest->requires_, inputs);
  for (checks::RequirementRow& row :
       app_requirement_rows(manifest_path, root, *loaded.manifest, inputs.env)) {
    rows.push_back(std::move(row));
  }
  char hostname[256] = {};
  ::gethostname(hostname, sizeof hostname - 1);
  checks::Report report = checks::requirements_report(rows);
  report.app = loaded.manifest->app;
  report.host = hostname;
  report.generated_unix_ms = state::now_unix_ms();
  if (!format.write(report, out, err, "bosun-agent gap")) {
    return exit_code::k_invalid_input;
  }
  if (!format.json && !format.markdown && !format.html && format.output.empty() && !report.ok()) {
    out << "a deploy would stop at preflight\n";
  }
  return report.ok() ? exit_code::k_ok : exit_code::k_failed;
}

}  // namespace bosun::agent::cli
