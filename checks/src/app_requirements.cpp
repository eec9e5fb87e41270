#include "bosun/checks/app_requirements.hpp"

namespace bosun::checks {

std::vector<RequirementRow> check_app_requirements(const AppRequirementInputs& inputs) {
  std::vector<RequirementRow> rows = detail::runtime_rows(inputs);
  for (RequirementRow& row : detail::alembic_rows(inputs)) {
    rows.push_back(std::move(row));
  }
  return rows;
}

}  // namespace bosun::checks
