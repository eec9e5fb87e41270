// The migrate step driving the bundled platform's real platform-migrate on a SQLite file.

#include <filesystem>

#include <gtest/gtest.h>

#include "agent_namespaces.hpp"
#include "bosun/manifest/loader.hpp"
#include "child_process.hpp"
#include "deploy/steps/migrate_commands.hpp"

namespace bosun::agent {
namespace {

TEST(MigrateStep, UpDownAndVersionsWithThePlatformsMigrations) {
  test::TempDir dir;
  const std::string bin = std::filesystem::path(PLATFORM_MIGRATE_BIN).string();
  const auto loaded = manifest::parse_manifest(
      "app: demo\nrepo: r\nservices: {web: {command: [x]}}\n"
      "database:\n  kind: sqlite\n  path: /x.db\n  migrate:\n"
      "    up: [" +
          bin + ", up]\n    down: [" + bin +
          ", down, --to, \"${version}\"]\n"
          "    version: [" +
          bin + ", status, --version]\n",
      "app.yaml");
  ASSERT_TRUE(loaded.ok());
  const manifest::Database& database = loaded.manifest->database;
  MigrateContext context{dir.path(),
                         {{"DATABASE_URL", "sqlite:///" + dir.path() + "/app.db"}},
                         dir.path() + "/migrate.log",
                         std::chrono::milliseconds(30'000),
                         {},
                         ""};
  EXPECT_EQ(read_schema_version(database, context), "0");
  EXPECT_TRUE(migrate_up(database, context).succeeded());
  EXPECT_EQ(read_schema_version(database, context), "4");
  EXPECT_TRUE(migrate_down(database, "2", context).succeeded());
  EXPECT_EQ(read_schema_version(database, context), "2");
  manifest::Database without_down = database;
  without_down.migrate_down.reset();
  const auto refused = migrate_down(without_down, "0", context);
  EXPECT_FALSE(refused.succeeded());
  EXPECT_NE(refused.describe().find("no database.migrate.down"), std::string::npos);
}

}  // namespace
}  // namespace bosun::agent
