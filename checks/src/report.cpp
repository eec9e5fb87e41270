#include "bosun/checks/report.hpp"

#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <sstream>

#include <Poco/JSON/Array.h>
#include <Poco/JSON/Object.h>
#include <Poco/JSON/Parser.h>

namespace bosun::checks {
namespace {

using Poco::JSON::Array;
using Poco::JSON::Object;

int severity(const ReportItem& item) {
  if (item.result.status == Status::fail) {
    return item.blocking ? 0 : 1;
  }
  return item.result.status == Status::warn ? 1 : 2;
}

Status status_from(const std::string& text) {
  if (text == "pass") {
    return Status::pass;
  }
  return text == "warn" ? Status::warn : Status::fail;
}

}  // namespace

bool Report::ok() const {
  return std::none_of(items.begin(), items.end(), [](const ReportItem& item) {
    return item.blocking && item.result.status == Status::fail;
  });
}

std::string Report::verdict() const {
  if (kind == "gap") {
    return ok() ? "no blocking gap" : "blocking gaps";
  }
  return ok() ? "ready" : "not ready";
}

std::vector<const ReportItem*> Report::by_severity() const {
  std::vector<const ReportItem*> sorted;
  for (const ReportItem& item : items) {
    sorted.push_back(&item);
  }
  std::stable_sort(sorted.begin(), sorted.end(), [](const ReportItem* a, const ReportItem* b) {
    return severity(*a) < severity(*b);
  });
  return sorted;
}

std::string render_json(const Report& report) {
  Object::Ptr root = new Object(Poco::JSON_PRESERVE_KEY_ORDER);
  root->set("schema", "bosun.report/1");
  root->set("kind", report.kind);
  root->set("verdict", report.verdict());
  root->set("ok", report.ok());
  root->set("app", report.app);
  root->set("host", report.host);
  root->set("release", report.release);
  root->set("commit", report.commit);
  root->set("generated_unix_ms", report.generated_unix_ms);
  Object::Ptr counts = new Object(Poco::JSON_PRESERVE_KEY_ORDER);
  for (const Status status : {Status::pass, Status::warn, Status::fail}) {
    counts->set(to_string(status), std::count_if(report.items.begin(), report.items.end(),
                                                 [&](const ReportItem& item) {
                                                   return item.result.status == status;
                                                 }));
  }
  root->set("counts", counts);
  Array::Ptr items = new Array;
  for (const ReportItem& item : report.items) {
    Object::Ptr entry = new Object(Poco::JSON_PRESERVE_KEY_ORDER);
    entry->set("group", item.group);
    entry->set("name", item.name);
    if (!item.required.empty()) {
      entry->set("required", item.required);
    }
    entry->set("status", to_string(item.result.status));
    entry->set("blocking", item.blocking);
    entry->set("evidence", item.result.evidence);
    entry->set("action", item.result.action);
    entry->set("took_ms", static_cast<double>(item.result.took.count()) / 1000.0);
    items->add(entry);
  }
  root->set("checks", items);
  std::ostringstream out;
  root->stringify(out);
  return out.str();
}

std::optional<Report> parse_report_json(const std::string& text) {
  try {
    Poco::JSON::Parser parser;
    const auto root = parser.parse(text).extract<Object::Ptr>();
    if (root->optValue<std::string>("schema", "") != "bosun.report/1") {
      return std::nullopt;
    }
    Report report;
    report.kind = root->optValue<std::string>("kind", "");
    report.app = root->optValue<std::string>("app", "");
    report.host = root->optValue<std::string>("host", "");
    report.release = root->optValue<std::string>("release", "");
    report.commit = root->optValue<std::string>("commit", "");
    report.generated_unix_ms = root->optValue<std::int64_t>("generated_unix_ms", 0);
    const auto items = root->getArray("checks");
    for (std::size_t i = 0; items && i < items->size(); ++i) {
      const auto entry = items->getObject(static_cast<unsigned>(i));
      ReportItem item;
      item.group = entry->optValue<std::string>("group", "");
      item.name = entry->optValue<std::string>("name", "");
      item.required = entry->optValue<std::string>("required", "");
      item.result.status = status_from(entry->optValue<std::string>("status", "fail"));
      item.blocking = entry->optValue<bool>("blocking", true);
      item.result.evidence = entry->optValue<std::string>("evidence", "");
      item.result.action = entry->optValue<std::string>("action", "");
      item.result.took = std::chrono::microseconds(
          static_cast<std::int64_t>(entry->optValue<double>("took_ms", 0) * 1000));
      report.items.push_back(std::move(item));
    }
    return report;
  } catch (const std::exception&) {
    return std::nullopt;
  }
}

bool want_color(int fd) {
  const char* no_color = std::getenv("NO_COLOR");
  if (no_color != nullptr && *no_color != '\0') {
    return false;
  }
  const char* term = std::getenv("TERM");
  return ::isatty(fd) == 1 && (term == nullptr || std::string(term) != "dumb");
}

}  // namespace bosun::checks
