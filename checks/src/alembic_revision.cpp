// The seeds' "Can't locate revision": the database's alembic_version names a revision that
// no file of the release defines (deleted, never committed, or from another branch), so
// `alembic upgrade head` fails. Found before anything changes, with the way out.
#include <sqlite3.h>

#include <filesystem>
#include <fstream>
#include <regex>
#include <set>
#include <sstream>

#include "bosun/checks/app_requirements.hpp"
#include "bosun/checks/sql_connection.hpp"
#include "bosun/common/text.hpp"
#include "make_result.hpp"

namespace bosun::checks::detail {

namespace {

namespace fs = std::filesystem;

// alembic.ini's script_location ("%(here)s" is the ini's folder); "" without alembic.ini.
std::string script_location(const fs::path& release) {
  std::ifstream in(release / "alembic.ini");
  if (!in) {
    return "";
  }
  std::string line;
  std::string location = "alembic";
  while (std::getline(in, line)) {
    const std::string_view trimmed = trim(line);
    if (trimmed.starts_with("script_location")) {
      const std::size_t equals = trimmed.find_first_of("=:");
      if (equals != std::string_view::npos) {
        location = std::string(trim(trimmed.substr(equals + 1)));
      }
      break;
    }
  }
  if (const std::size_t here = location.find("%(here)s"); here != std::string::npos) {
    location.replace(here, 8, release.string());
  }
  return fs::path(location).is_absolute() ? location : (release / location).string();
}

// Every `revision = "..."` in the versions folder (alembic's own file layout).
std::set<std::string> revisions_in(const fs::path& versions) {
  static const std::regex declared(R"(^revision\s*(?::\s*str\s*)?=\s*['"]([0-9A-Za-z_]+)['"])");
  std::set<std::string> revisions;
  std::error_code error;
  for (fs::recursive_directory_iterator it(versions, error), end; !error && it != end;
       it.increment(error)) {
    if (it->path().extension() != ".py") {
      continue;
    }
    std::ifstream in(it->path());
    std::string line;
    std::smatch match;
    while (std::getline(in, line)) {
      if (std::regex_search(line, match, declared)) {
        revisions.insert(match[1]);
        break;
      }
    }
  }
  return revisions;
}

// The database's current revisions (several on branched histories); nullopt with `problem`
// when it cannot be read. No alembic_version table: none yet.
std::optional<std::vector<std::string>> database_revisions(const AppRequirementInputs& inputs,
                                                           std::string& problem) {
  const std::string query = "SELECT version_num FROM alembic_version";
  std::vector<std::string> found;
  if (inputs.database.kind == manifest::DatabaseKind::sqlite) {
    if (!fs::exists(inputs.sqlite_path)) {
      return found;
    }
    sqlite3* db = nullptr;
    if (::sqlite3_open_v2(inputs.sqlite_path.c_str(), &db, SQLITE_OPEN_READONLY, nullptr) !=
        SQLITE_OK) {
      problem = "cannot open " + inputs.sqlite_path;
      ::sqlite3_close(db);
      return std::nullopt;
    }
    sqlite3_stmt* statement = nullptr;
    if (::sqlite3_prepare_v2(db, query.c_str(), -1, &statement, nullptr) == SQLITE_OK) {
      while (::sqlite3_step(statement) == SQLITE_ROW) {
        found.emplace_back(reinterpret_cast<const char*>(::sqlite3_column_text(statement, 0)));
      }
    }
    ::sqlite3_finalize(statement);
    ::sqlite3_close(db);
    return found;
  }
  const auto url = database_url_from(inputs.env, inputs.database.url_env);
  if (!url) {
    problem = url.error();
    return std::nullopt;
  }
  auto connection = connect_sql(*url, std::chrono::milliseconds(5000));
  if (!connection) {
    problem = "cannot connect to " + url->redacted() + ": " + connection.error().message;
    return std::nullopt;
  }
  const auto rows = (*connection)->query(query);
  if (rows) {
    for (const SqlRow& row : *rows) {
      found.push_back(row.empty() ? "" : row[0].value_or(""));
    }
  }
  return found;  // a failed query: no alembic_version table yet
}

}  // namespace

std::vector<RequirementRow> alembic_rows(const AppRequirementInputs& inputs) {
  if (inputs.database.kind == manifest::DatabaseKind::none) {
    return {};
  }
  const std::string location = script_location(inputs.release_dir);
  if (location.empty()) {
    return {};
  }
  const auto start = Clock::now();
  RequirementRow row;
  row.requirement = "alembic revision";
  row.required = "one of the release's revisions";
  std::string problem;
  const auto current = database_revisions(inputs, problem);
  if (!current) {
    row.result =
        make_result(Status::warn, "the database's alembic_version could not be read: " + problem,
                    "check the database before deploying", start);
    row.blocking = false;
    return {row};
  }
  const std::set<std::string> known = revisions_in(fs::path(location) / "versions");
  std::vector<std::string> unknown;
  for (const std::string& revision : *current) {
    if (known.count(revision) == 0) {
      unknown.push_back(revision);
    }
  }
  if (current->empty()) {
    row.result = make_result(Status::pass,
                             "no revision recorded yet (the first upgrade starts at "
                             "base)",
                             "", start);
  } else if (unknown.empty()) {
    row.result = make_result(
        Status::pass,
        "database at " + join(*current, ", ") + ", defined in " + location + "/versions", "",
        start);
  } else {
    row.result = make_result(
        Status::fail,
        "the database's alembic_version is " + join(unknown, ", ") + ", which no file in " +
            location + "/versions defines (" + std::to_string(known.size()) +
            " revisions there): alembic would fail with \"Can't locate revision\"",
        "commit the missing migration file (git log --all -- '*" + unknown.front() +
            "*' finds it), or downgrade the database with the release that has it; stamp a "
            "known revision (alembic stamp <rev>) only once the schema is checked to match it",
        start);
  }
  return {row};
}

}  // namespace bosun::checks::detail
