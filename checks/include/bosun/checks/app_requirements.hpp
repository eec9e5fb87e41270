#pragma once
// Requirements read from the app itself rather than from the manifest's `requires`: the
// runtime its own files ask for (package.json `engines.node`, pyproject's `requires-python`,
// .python-version), that its database answers its own URL (a warning) and, with alembic, that
// the database's revision is one the release has (the seeds' "Can't locate revision"). Rows
// for the gap report and the deploy's preflight.

#include <map>
#include <string>
#include <vector>

#include "bosun/checks/requirements.hpp"
#include "bosun/manifest/model.hpp"

namespace bosun::checks {

struct AppRequirementInputs {
  std::string release_dir;  // the app's files: a release, or the repository's working copy
  manifest::Database database;
  std::string sqlite_path;                  // database.path with its variables expanded
  std::map<std::string, std::string> env;   // the app's environment (PATH, DATABASE_URL)
  std::vector<manifest::Service> services;  // its container services are checked too
  bool on_host = false;                     // the deploy host (not the laptop): ports count
  std::vector<int> own_pids;                // the app's running processes, on the host
  std::string app;                          // its containers are bosun-APP-...
};

std::vector<RequirementRow> check_app_requirements(const AppRequirementInputs& inputs);

// One of several version ranges, as npm (`>=20.9.0`, `^18 || >=20`, `1.2 - 2.3`) and PEP 440
// (`>=3.10,<4`, `~=3.11`, `==3.12.*`) write them; an error names what could not be read.
class RuntimeRange {
 public:
  [[nodiscard]] static tl::expected<RuntimeRange, std::string> parse_npm(std::string_view text);
  [[nodiscard]] static tl::expected<RuntimeRange, std::string> parse_pep440(std::string_view text);
  bool satisfied_by(const Version& version) const;
  const std::string& text() const { return m_text; }

 private:
  std::vector<VersionConstraint> m_alternatives;
  std::string m_text;
};

namespace detail {
std::vector<RequirementRow> runtime_rows(const AppRequirementInputs& inputs);
std::vector<RequirementRow> alembic_rows(const AppRequirementInputs& inputs);
std::vector<RequirementRow> container_rows(const AppRequirementInputs& inputs);
// package.json's engines.node, "" when it asks for nothing; `problem` says why it is unreadable.
std::string node_engine(const std::string& package_json, std::string& problem);
// A container built from the release's root carries the runtime: the host's is not the app's.
bool runtime_is_the_images(const AppRequirementInputs& inputs);
}  // namespace detail

}  // namespace bosun::checks
