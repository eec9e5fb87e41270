#include "report_cli.hpp"

#include <unistd.h>

#include <fstream>

#include "agent_client_support.hpp"
#include "bosun/common/exit_codes.hpp"

namespace bosun::agent {

void ReportFormat::add_to(cli::ArgParser& parser) {
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
  cli::ArgParser parser(
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

}  // namespace bosun::agent
