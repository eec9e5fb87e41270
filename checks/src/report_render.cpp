// The human renderings of a report: terminal text, Markdown and self-contained HTML.

#include <ctime>
#include <sstream>

#include "bosun/checks/report.hpp"
#include "bosun/common/text.hpp"

namespace bosun::checks {
namespace {

std::string when(std::int64_t unix_ms) {
  const std::time_t seconds = static_cast<std::time_t>(unix_ms / 1000);
  std::tm utc{};
  gmtime_r(&seconds, &utc);
  char text[32];
  std::strftime(text, sizeof text, "%Y-%m-%d %H:%M:%S UTC", &utc);
  return text;
}

std::string title(const Report& report) {
  std::string text = (report.kind == "gap" ? "Gap analysis" : "Readiness") +
                     std::string(report.app.empty() ? "" : " of " + report.app) +
                     (report.host.empty() ? "" : " on " + report.host);
  if (!report.release.empty()) {
    text += " (release " + report.release + ")";
  }
  return text;
}

std::string label(const ReportItem& item) {
  if (item.result.status == Status::pass) {
    return "PASS";
  }
  if (item.result.status == Status::warn || !item.blocking) {
    return "WARN";
  }
  return "FAIL";
}

std::string counts_line(const Report& report) {
  int pass = 0;
  int warn = 0;
  int fail = 0;
  for (const ReportItem& item : report.items) {
    const std::string l = label(item);
    (l == "PASS" ? pass : l == "WARN" ? warn : fail) += 1;
  }
  return std::to_string(fail) + " failing, " + std::to_string(warn) + " warning, " +
         std::to_string(pass) + " passing";
}

std::string html_escape(const std::string& text) {
  std::string out;
  for (const char c : text) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      default:
        out += c;
    }
  }
  return out;
}

std::string markdown_cell(const std::string& text) {
  std::string out;
  for (const char c : text) {
    if (c == '|') {
      out += "\\|";
    } else if (c == '\n') {
      out += "<br>";
    } else {
      out += c;
    }
  }
  return out;
}

}  // namespace

std::string render_text(const Report& report, TextStyle style) {
  const auto paint = [&](const std::string& text, const char* code) {
    return style.color ? std::string("\033[") + code + "m" + text + "\033[0m" : text;
  };
  const auto colour_of = [](const std::string& l) {
    return l == "PASS" ? "32" : l == "WARN" ? "33" : "31;1";
  };
  std::ostringstream out;
  out << title(report) << "\n";
  out << paint(report.verdict(), report.ok() ? "32;1" : "31;1") << ": " << counts_line(report)
      << "\n\n";
  std::size_t group_width = 8;
  std::size_t name_width = 10;
  for (const ReportItem& item : report.items) {
    group_width = std::max(group_width, item.group.size() + 1);
    name_width = std::min<std::size_t>(40, std::max(name_width, item.name.size() + 1));
  }
  for (const ReportItem* item : report.by_severity()) {
    const std::string l = label(*item);
    out << paint(pad_column(l, 5), colour_of(l)) << pad_column(item->group, group_width)
        << pad_column(item->name, name_width);
    if (!item->required.empty()) {
      out << "needs " << item->required << "; ";
    }
    out << item->result.evidence << "\n";
    if (item->result.status != Status::pass && !item->result.action.empty()) {
      out << std::string(5 + group_width + name_width, ' ') << "-> " << item->result.action << "\n";
    }
  }
  return out.str();
}

std::string render_markdown(const Report& report) {
  std::ostringstream out;
  out << "# " << title(report) << "\n\n";
  out << "**" << report.verdict() << "**: " << counts_line(report) << " ("
      << when(report.generated_unix_ms) << ")\n\n";
  const bool gap = report.kind == "gap";
  out << "| Status | Check | Name |" << (gap ? " Required |" : "") << " Evidence | Action |\n";
  out << "|---|---|---|" << (gap ? "---|" : "") << "---|---|\n";
  for (const ReportItem* item : report.by_severity()) {
    out << "| " << label(*item) << " | " << markdown_cell(item->group) << " | "
        << markdown_cell(item->name) << " | ";
    if (gap) {
      out << markdown_cell(item->required) << " | ";
    }
    out << markdown_cell(item->result.evidence) << " | "
        << (item->result.status == Status::pass ? "" : markdown_cell(item->result.action))
        << " |\n";
  }
  return out.str();
}

std::string render_html(const Report& report) {
  std::ostringstream out;
  out << "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n"
      << "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
      << "<title>" << html_escape(title(report) + ": " + report.verdict()) << "</title>\n"
      << "<style>\n"
         "body{font:15px/1.45 system-ui,-apple-system,'Segoe UI',sans-serif;margin:0;"
         "background:#f6f7f9;color:#1c1f24}\n"
         "main{max-width:960px;margin:0 auto;padding:24px}\n"
         ".verdict{border-radius:10px;padding:18px 22px;color:#fff;margin-bottom:18px}\n"
         ".verdict h1{margin:0 0 4px;font-size:26px}.verdict p{margin:0;opacity:.92}\n"
         ".ok{background:#1f8f4e}.bad{background:#c62f2f}\n"
         "h2{font-size:16px;margin:22px 0 8px;color:#4a5160;text-transform:uppercase;"
         "letter-spacing:.04em}\n"
         "details{background:#fff;border:1px solid #dde1e6;border-left:6px solid #8a94a3;"
         "border-radius:6px;margin:6px 0;padding:8px 12px}\n"
         "details.fail{border-left-color:#c62f2f}details.warn{border-left-color:#d69a00}"
         "details.pass{border-left-color:#1f8f4e}\n"
         "summary{cursor:pointer;display:flex;gap:10px;align-items:baseline}\n"
         ".badge{font:600 12px/1 ui-monospace,monospace;padding:3px 6px;border-radius:4px;"
         "color:#fff;min-width:34px;text-align:center}\n"
         ".badge.fail{background:#c62f2f}.badge.warn{background:#d69a00}.badge.pass{"
         "background:#1f8f4e}\n"
         ".group{color:#6b7380;min-width:90px}.name{font-weight:600}\n"
         "pre{white-space:pre-wrap;word-break:break-word;background:#f1f3f5;padding:8px;"
         "border-radius:4px;margin:8px 0 4px}\n"
         ".action{margin:6px 0 2px}.action b{color:#c62f2f}\n"
         "footer{color:#6b7380;font-size:13px;margin-top:24px}\n"
         "</style></head><body><main>\n";
  out << "<section class=\"verdict " << (report.ok() ? "ok" : "bad") << "\" id=\"verdict\">"
      << "<h1>" << html_escape(report.verdict()) << "</h1><p>" << html_escape(title(report))
      << " &middot; " << html_escape(counts_line(report)) << "</p></section>\n";
  std::string section;
  for (const ReportItem* item : report.by_severity()) {
    const std::string l = label(*item);
    const std::string css = l == "PASS" ? "pass" : l == "WARN" ? "warn" : "fail";
    const std::string heading = l == "FAIL" ? "Failing" : l == "WARN" ? "Warnings" : "Passing";
    if (heading != section) {
      out << "<h2>" << heading << "</h2>\n";
      section = heading;
    }
    out << "<details class=\"" << css << "\"" << (css == "fail" ? " open" : "") << "><summary>"
        << "<span class=\"badge " << css << "\">" << l << "</span>"
        << "<span class=\"group\">" << html_escape(item->group) << "</span>"
        << "<span class=\"name\">" << html_escape(item->name) << "</span></summary>\n";
    if (!item->required.empty()) {
      out << "<div>needs " << html_escape(item->required) << "</div>";
    }
    out << "<pre>" << html_escape(item->result.evidence) << "</pre>";
    if (item->result.status != Status::pass && !item->result.action.empty()) {
      out << "<div class=\"action\"><b>Action:</b> " << html_escape(item->result.action)
          << "</div>";
    }
    out << "</details>\n";
  }
  out << "<footer>Generated by bosun at " << when(report.generated_unix_ms);
  if (!report.commit.empty()) {
    out << " &middot; commit " << html_escape(report.commit.substr(0, 12));
  }
  out << "</footer>\n</main></body></html>\n";
  return out.str();
}

}  // namespace bosun::checks
