#include "bosun/checks/requirements.hpp"

#include <cstdio>

#include <algorithm>

#include "bosun/common/byte_size.hpp"

namespace bosun::checks {

std::vector<RequirementRow> check_requirements(const manifest::Requirements& requires_,
                                               const RequirementInputs& inputs) {
  std::vector<RequirementRow> rows;
  for (const manifest::ToolRequirement& tool : requires_.tools) {
    CheckResult result = check_tool_version(tool.name, tool.constraint, inputs.env);
    // A version that cannot be read is a warning: the tool is there.
    const bool blocking = result.status != Status::warn;
    rows.push_back({"tool " + tool.name, tool.constraint.text(), std::move(result), blocking});
  }
  for (const std::string& name : requires_.env) {
    rows.push_back({"env " + name, "set", check_env_var(name, inputs.env), true});
  }
  for (std::uint16_t port : requires_.ports_free) {
    rows.push_back(
        {"port " + std::to_string(port), "free", check_port_free(port, inputs.own_pids), true});
  }
  if (requires_.disk_free) {
    rows.push_back({"disk free", format_byte_size(*requires_.disk_free),
                    check_disk_free(inputs.disk_path, *requires_.disk_free), true});
  }
  if (requires_.memory) {
    rows.push_back(
        {"memory", format_byte_size(*requires_.memory), check_memory(*requires_.memory), true});
  }
  for (const manifest::FileRequirement& file : requires_.files) {
    std::string required = "exists";
    if (file.mode) {
      char octal[8];
      std::snprintf(octal, sizeof octal, "%04o", static_cast<unsigned>(*file.mode));
      required = std::string("mode ") + octal;
    }
    if (!file.owner.empty()) {
      required += (required == "exists" ? std::string("owner ") : ", owner ") + file.owner;
    }
    rows.push_back(
        {"file " + file.path, required, check_file(file.path, file.mode, file.owner), true});
  }
  if (requires_.os) {
    std::string required;
    for (const std::string& id : requires_.os->ids) {
      required += (required.empty() ? "" : "|") + id;
    }
    if (requires_.os->version) {
      required += (required.empty() ? "" : " ") + requires_.os->version->text();
    }
    // Another distribution may well work: a warning, not a stop.
    rows.push_back({"os", required,
                    check_os(requires_.os->ids, requires_.os->version, inputs.os_release_path),
                    false});
  }
  return rows;
}

bool requirements_met(const std::vector<RequirementRow>& rows) {
  return std::none_of(rows.begin(), rows.end(), [](const RequirementRow& row) {
    return row.blocking && row.result.status == Status::fail;
  });
}

Report requirements_report(const std::vector<RequirementRow>& rows) {
  Report report;
  report.kind = "gap";
  for (const RequirementRow& row : rows) {
    const std::size_t space = row.requirement.find(' ');
    ReportItem item;
    item.group = row.requirement.substr(0, space);
    item.name = space == std::string::npos ? "" : row.requirement.substr(space + 1);
    item.required = row.required;
    item.result = row.result;
    item.blocking = row.blocking;
    report.items.push_back(std::move(item));
  }
  return report;
}

}  // namespace bosun::checks
