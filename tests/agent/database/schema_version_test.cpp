// Schema versions as text: what the migration tools print, and which irreversible
// migrations a rollback crosses.

#include <gtest/gtest.h>

#include "agent_namespaces.hpp"
#include "database/schema_version.hpp"

namespace bosun::agent {
namespace {

TEST(SchemaVersion, TheFirstWordOfTheLastLineTheToolPrinted) {
  EXPECT_EQ(parse_schema_version("4\n"), "4");
  EXPECT_EQ(parse_schema_version("a1f3c9e2b7d4 (head)\n"), "a1f3c9e2b7d4");  // alembic current
  EXPECT_EQ(parse_schema_version("c5d2e8f1a093\n"), "c5d2e8f1a093");         // not 5
  EXPECT_EQ(parse_schema_version("Current revision(s):\n  b2c4e6 (head)\n\n"), "b2c4e6");
  EXPECT_EQ(parse_schema_version("20261201120000_add_users.js\n"), "20261201120000_add_users.js");
  EXPECT_EQ(parse_schema_version("007\n"), "007");
  EXPECT_EQ(parse_schema_version(""), "");  // before the first migration
  EXPECT_EQ(parse_schema_version("\n  \n"), "");
}

TEST(SchemaVersion, DescribedForPeople) {
  EXPECT_EQ(describe_version(std::string("a1f3")), "a1f3");
  EXPECT_EQ(describe_version(std::string()), "base (before the first migration)");
  EXPECT_EQ(describe_version(std::nullopt), "unknown");
}

TEST(SchemaVersion, BeforeTheFirstMigrationIsTheManifestsBase) {
  manifest::Database database;
  EXPECT_EQ(down_argument(database, ""), "0");
  database.migrate_base = "base";  // alembic
  EXPECT_EQ(down_argument(database, ""), "base");
  EXPECT_EQ(down_argument(database, "a1f3c9e2b7d4"), "a1f3c9e2b7d4");
}

TEST(SchemaVersion, IrreversibleNumbersAreCrossedByRange) {
  manifest::Database database;
  database.irreversible = {"4", "7"};
  EXPECT_EQ(irreversible_crossed(database, std::string("3"), std::string("5")),
            (std::vector<std::string>{"4"}));
  EXPECT_EQ(irreversible_crossed(database, std::string("4"), std::string("8")),
            (std::vector<std::string>{"7"}));
  EXPECT_EQ(irreversible_crossed(database, std::string(""), std::string("4")),
            (std::vector<std::string>{"4"}));
  EXPECT_TRUE(irreversible_crossed(database, std::string("7"), std::string("9")).empty());
  EXPECT_TRUE(irreversible_crossed(database, std::nullopt, std::string("9")).empty());
}

TEST(SchemaVersion, IrreversibleRevisionIdsAreCrossedWhenARecordedVersionSinceTheTarget) {
  manifest::Database database;
  database.irreversible = {"c5d2e8f1a093"};
  // now is the irreversible revision itself
  EXPECT_EQ(
      irreversible_crossed(database, std::string("a1f3c9e2b7d4"), std::string("c5d2e8f1a093")),
      (std::vector<std::string>{"c5d2e8f1a093"}));
  // a later release moved past it
  EXPECT_EQ(irreversible_crossed(database, std::string("a1f3c9e2b7d4"), std::string("d9e8f7"),
                                 {"c5d2e8f1a093", "d9e8f7"}),
            (std::vector<std::string>{"c5d2e8f1a093"}));
  // going back to it is not crossing it
  EXPECT_TRUE(
      irreversible_crossed(database, std::string("c5d2e8f1a093"), std::string("d9e8f7"), {"d9e8f7"})
          .empty());
}

}  // namespace
}  // namespace bosun::agent
