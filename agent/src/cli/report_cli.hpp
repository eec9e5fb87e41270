#pragma once
// The report commands: `bosun-agent ready` (the running app) and `bosun-agent gap` (the
// manifest's requirements on this host), in the format asked for.

#include <ostream>
#include <string>
#include <vector>

#include "bosun/checks/report.hpp"
#include "bosun/common/cli.hpp"

namespace bosun::agent::cli {

// `bosun-agent gap`: the manifest's requirements checked on this host, as a gap report.
int gap_command(const std::vector<std::string>& args, std::ostream& out, std::ostream& err);
int ready_command(const std::vector<std::string>& args, std::ostream& out, std::ostream& err);

// The output options every report command shares: --json, --md, --html, --no-color, -o FILE.
struct ReportFormat {
  bool json = false;
  bool markdown = false;
  bool html = false;
  bool no_color = false;
  std::string output;  // a file instead of stdout

  void add_to(bosun::cli::ArgParser& parser);
  // Writes the report; false (after a message on `err`) when the file cannot be written.
  bool write(const checks::Report& report, std::ostream& out, std::ostream& err,
             const std::string& command) const;
};

}  // namespace bosun::agent::cli
