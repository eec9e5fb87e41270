#pragma once
// A report of checks with evidence and actions: the readiness report (`bosun-agent ready`)
// and the gap analysis (`bosun-agent gap`, `bosun gap`). One model, four renderings: a
// terminal table (colour only when asked), JSON with a stable schema (docs/REPORTS.md),
// Markdown, and one self-contained HTML page.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "bosun/checks/check_runner.hpp"

namespace bosun::checks {

struct ReportItem {
  std::string group;     // e.g. services, health, database, api, env, logs, network, ...
  std::string name;      // e.g. "server", "GET http://127.0.0.1:8080/ready", "JWT_SECRET_KEY"
  std::string required;  // gap reports: what the app needs (">=20.9", "set", "free")
  CheckResult result;
  bool blocking = true;  // a failure here makes the verdict negative; otherwise a warning
};

struct Report {
  std::string kind;  // "readiness" or "gap"
  std::string app;
  std::string host;
  std::string release;  // the live release id, when known
  std::string commit;
  std::int64_t generated_unix_ms = 0;
  std::vector<ReportItem> items;

  // No blocking item failed.
  bool ok() const;
  // "ready" / "not ready" for readiness; "no blocking gap" / "blocking gaps" for gap.
  std::string verdict() const;
  // Items failing first (blocking before warnings), then warnings, then passes; stable.
  std::vector<const ReportItem*> by_severity() const;
};

struct TextStyle {
  bool color = false;
};

std::string render_text(const Report& report, TextStyle style);
// {"schema": "bosun.report/1", ...}: see docs/REPORTS.md. Keys are only ever added.
std::string render_json(const Report& report);
std::string render_markdown(const Report& report);
std::string render_html(const Report& report);

// Reads render_json's output back (the controller combines hosts' reports). nullopt when the
// text is not such a report.
std::optional<Report> parse_report_json(const std::string& text);

// Colour on a terminal only, and never when NO_COLOR is set (https://no-color.org).
bool want_color(int fd);

}  // namespace bosun::checks
