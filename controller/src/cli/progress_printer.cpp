#include "cli/progress_printer.hpp"

#include <Poco/JSON/Array.h>
#include <Poco/JSON/Object.h>
#include <Poco/JSON/Parser.h>

#include "bosun/common/duration.hpp"
#include "bosun/common/run_protocol.hpp"
#include "bosun/common/text.hpp"

namespace bosun::controller::cli {
namespace {

std::string elapsed(std::chrono::steady_clock::time_point since) {
  return format_duration(std::chrono::duration_cast<std::chrono::milliseconds>(
      std::chrono::steady_clock::now() - since));
}

}  // namespace

std::string short_commit(const std::string& commit) {
  return commit.empty() ? "-" : commit.substr(0, 8);
}

ProgressPrinter::ProgressPrinter(std::ostream& out, ProgressMode mode,
                                 std::vector<std::string> hosts)
    : m_out(out), m_mode(mode) {
  for (std::string& host : hosts) {
    Line line;
    line.host = std::move(host);
    m_lines.push_back(std::move(line));
  }
}

void ProgressPrinter::on_event(const std::string& host, const host::AgentEvent& event) {
  std::lock_guard guard(m_mutex);
  if (m_mode == ProgressMode::json) {
    try {
      Poco::JSON::Parser parser;
      auto object = parser.parse(event.json).extract<Poco::JSON::Object::Ptr>();
      object->set("host", host);
      object->stringify(m_out);
    } catch (const std::exception&) {
      m_out << event.json;
    }
    m_out << "\n" << std::flush;
    return;
  }
  for (Line& line : m_lines) {
    if (line.host != host) {
      continue;
    }
    if (event.type == RunEventType::step_started) {
      line.step = event.step;
      line.since = std::chrono::steady_clock::now();
    } else if (event.type == RunEventType::run_finished) {
      line.step = "done";
      line.state = event.outcome;
    } else if (event.type == RunEventType::step_finished &&
               event.outcome == to_string(StepOutcome::failed)) {
      line.state = event.step + " failed";
    }
  }
  if (m_mode == ProgressMode::live) {
    redraw();
    return;
  }
  if (event.type == RunEventType::step_finished) {
    m_out << host << ": " << pad_column(event.step, 16) << pad_column(event.outcome, 8)
          << format_duration(std::chrono::milliseconds(event.duration_ms)) << "  " << event.message
          << "\n";
  } else if (event.type == RunEventType::note || event.type == RunEventType::run_finished) {
    m_out << host << ": " << (event.type == RunEventType::note ? "note: " : event.outcome + ": ")
          << event.message << "\n";
  }
  m_out << std::flush;
}

void ProgressPrinter::redraw() {
  if (m_drawn) {
    m_out << "\033[" << m_lines.size() << "A";
  }
  for (const Line& line : m_lines) {
    m_out << "\033[2K" << pad_column(line.host, 24) << pad_column(line.step, 14)
          << (line.step == "done" || line.step == "waiting" ? "" : elapsed(line.since)) << "  "
          << line.state << "\n";
  }
  m_drawn = true;
  m_out << std::flush;
}

void ProgressPrinter::finish(const fleet::FleetOutcome& outcome, const std::string& title) {
  std::lock_guard guard(m_mutex);
  if (m_mode == ProgressMode::json) {
    Poco::JSON::Object::Ptr summary = new Poco::JSON::Object(Poco::JSON_PRESERVE_KEY_ORDER);
    summary->set("type", "summary");
    summary->set("title", title);
    summary->set("ok", outcome.ok);
    summary->set("summary", outcome.summary);
    Poco::JSON::Array::Ptr hosts = new Poco::JSON::Array;
    for (const fleet::HostOutcome& host : outcome.hosts) {
      Poco::JSON::Object::Ptr entry = new Poco::JSON::Object(Poco::JSON_PRESERVE_KEY_ORDER);
      entry->set("host", host.host);
      entry->set("from_commit", host.from_commit);
      entry->set("to_commit", host.to_commit);
      entry->set("result", std::string(to_string(host.result)));
      entry->set("duration_ms", host.took.count());
      entry->set("reason", host.reason);
      hosts->add(entry);
    }
    summary->set("hosts", hosts);
    summary->stringify(m_out);
    m_out << "\n";
    return;
  }
  m_out << "\n" << title << ": " << outcome.summary << " in " << elapsed(m_started) << "\n";
  m_out << pad_column("HOST", 24) << pad_column("FROM -> TO", 22) << pad_column("RESULT", 13)
        << pad_column("TIME", 8) << "REASON\n";
  for (const fleet::HostOutcome& host : outcome.hosts) {
    m_out << pad_column(host.host, 24)
          << pad_column(short_commit(host.from_commit) + " -> " + short_commit(host.to_commit), 22)
          << pad_column(std::string(to_string(host.result)), 13)
          << pad_column(format_duration(host.took), 8) << host.reason << "\n";
    if (host.result != fleet::HostResult::succeeded) {
      for (const std::string& line : host.evidence) {
        m_out << "    " << line << "\n";
      }
    }
  }
}

}  // namespace bosun::controller::cli
