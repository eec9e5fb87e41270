#include "bosun/manifest/variables.hpp"

#include <gtest/gtest.h>

namespace bosun::manifest {
namespace {

TEST(Variables, FindsUses) {
  const auto uses = find_variables("sqlite:///${shared}/data/${app}.db");
  ASSERT_TRUE(uses.has_value());
  ASSERT_EQ(uses->size(), 2U);
  EXPECT_EQ((*uses)[0].name, "shared");
  EXPECT_EQ((*uses)[0].offset, 10U);
  EXPECT_EQ((*uses)[1].name, "app");
}

TEST(Variables, DollarDollarIsLiteral) {
  const auto uses = find_variables("echo $${HOME} $PATH");
  ASSERT_TRUE(uses.has_value());
  EXPECT_TRUE(uses->empty());
  EXPECT_EQ(expand_variables("cost: $$5 ${app}", {{"app", "x"}}).value(), "cost: $5 x");
}

TEST(Variables, ReportsMalformedUses) {
  EXPECT_FALSE(find_variables("${shared").has_value());
  EXPECT_FALSE(find_variables("${}").has_value());
}

TEST(Variables, ExpandsKnownValuesOnly) {
  EXPECT_EQ(expand_variables("${root}/shared", {{"root", "/srv/app"}}).value(), "/srv/app/shared");
  const auto missing = expand_variables("${release}", {{"root", "/srv/app"}});
  ASSERT_FALSE(missing.has_value());
  EXPECT_NE(missing.error().find("${release}"), std::string::npos);
}

}  // namespace
}  // namespace bosun::manifest
