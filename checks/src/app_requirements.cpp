#include "bosun/checks/app_requirements.hpp"

#include "bosun/checks/check_runner.hpp"

namespace bosun::checks {

namespace {

// The app's database answering its own URL. A warning, not a gap: on a single VM the database
// server may be one of the app's services, not started before the first deploy's preflight.
std::vector<RequirementRow> database_rows(const AppRequirementInputs& inputs) {
  const bool postgres = inputs.database.kind == manifest::DatabaseKind::postgres;
  if (!postgres && inputs.database.kind != manifest::DatabaseKind::mysql) {
    return {};
  }
  manifest::SqlServerCheck check;
  check.url_env = inputs.database.url_env;
  CheckContext context;
  context.timeout = std::chrono::milliseconds(3000);
  context.env = inputs.env;
  RequirementRow row{
      std::string("database ") + (postgres ? "postgres" : "mysql"),
      "answers $" + inputs.database.url_env,
      postgres ? run_postgres_check({check}, context) : run_mysql_check({check}, context), false};
  if (!row.result.passed()) {
    row.result.status = Status::warn;
  }
  return {row};
}

}  // namespace

std::vector<RequirementRow> check_app_requirements(const AppRequirementInputs& inputs) {
  std::vector<RequirementRow> rows = detail::runtime_is_the_images(inputs)
                                         ? std::vector<RequirementRow>{}
                                         : detail::runtime_rows(inputs);
  for (auto&& more :
       {database_rows(inputs), detail::alembic_rows(inputs), detail::container_rows(inputs)}) {
    rows.insert(rows.end(), more.begin(), more.end());
  }
  return rows;
}

}  // namespace bosun::checks
