#include "database/schema_version.hpp"

#include <algorithm>
#include <cctype>
#include <sstream>

namespace bosun::agent::database {
namespace {

std::optional<long long> as_integer(const std::string& text) {
  if (text.empty() || text.size() > 18 || !std::all_of(text.begin(), text.end(), [](char c) {
        return std::isdigit(static_cast<unsigned char>(c)) != 0;
      })) {
    return std::nullopt;
  }
  return std::stoll(text);
}

}  // namespace

std::string parse_schema_version(const std::string& printed) {
  std::istringstream lines(printed);
  std::string line;
  std::string last;
  while (std::getline(lines, line)) {
    if (line.find_first_not_of(" \t\r") != std::string::npos) {
      last = line;
    }
  }
  std::istringstream words(last);
  std::string first;
  words >> first;
  return first;
}

std::string describe_version(const SchemaVersion& version) {
  if (!version) {
    return "unknown";
  }
  return version->empty() ? "base (before the first migration)" : *version;
}

std::string down_argument(const manifest::Database& database, const std::string& version) {
  return version.empty() ? database.migrate_base : version;
}

std::vector<std::string> irreversible_crossed(const manifest::Database& database,
                                              const SchemaVersion& target, const SchemaVersion& now,
                                              const std::vector<std::string>& recorded_since) {
  std::vector<std::string> crossed;
  if (!target) {
    return crossed;
  }
  const auto target_number = target->empty() ? std::optional<long long>(0) : as_integer(*target);
  const auto now_number = now ? as_integer(*now) : std::nullopt;
  for (const std::string& version : database.irreversible) {
    const auto number = as_integer(version);
    bool counts = false;
    if (number && target_number) {
      counts = *number > *target_number && (!now_number || *number <= *now_number);
    } else {
      counts = version != *target &&
               ((now && version == *now) || std::find(recorded_since.begin(), recorded_since.end(),
                                                      version) != recorded_since.end());
    }
    if (counts) {
      crossed.push_back(version);
    }
  }
  return crossed;
}

}  // namespace bosun::agent::database
