// Requirements read from the app's own files: npm and PEP 440 ranges, package.json engines and
// .python-version against the host's tools (a stand-in `node` on PATH for exact versions, the
// real one for the rest), and the alembic revision the database is at.
#include "bosun/checks/app_requirements.hpp"

#include <sys/stat.h>

#include <filesystem>
#include <fstream>

#include <gtest/gtest.h>

#include "child_process.hpp"
#include "sqlite_file.hpp"

namespace bosun::checks {
namespace {

bool npm(const std::string& range, const std::string& version) {
  return RuntimeRange::parse_npm(range)->satisfied_by(*Version::parse(version));
}
bool pep440(const std::string& range, const std::string& version) {
  return RuntimeRange::parse_pep440(range)->satisfied_by(*Version::parse(version));
}

TEST(RuntimeRange, NpmForms) {
  EXPECT_TRUE(npm(">=20.9.0", "20.20.2"));
  EXPECT_FALSE(npm(">=20.9.0", "18.19.1"));
  EXPECT_TRUE(npm("^18.17.0 || >=20.3.0", "18.19.1"));
  EXPECT_FALSE(npm("^18.17.0 || >=20.3.0", "19.0.0"));
  EXPECT_TRUE(npm("18.x", "18.2.0"));
  EXPECT_TRUE(npm("16 - 18", "17.1.0"));
  EXPECT_FALSE(npm("16 - 18", "20.0.0"));
  EXPECT_TRUE(npm("*", "4.0.0"));
  EXPECT_FALSE(RuntimeRange::parse_npm(">=banana").has_value());
}

TEST(RuntimeRange, Pep440Forms) {
  EXPECT_TRUE(pep440(">=3.10", "3.11.2"));
  EXPECT_FALSE(pep440(">=3.12", "3.11.2"));
  EXPECT_TRUE(pep440(">=3.9,<4", "3.11.2"));
  EXPECT_TRUE(pep440("~=3.11", "3.13.0"));
  EXPECT_FALSE(pep440("~=3.11.1", "3.12.0"));
  EXPECT_TRUE(pep440("==3.11.*", "3.11.7"));
  EXPECT_FALSE(pep440("==3.11.*", "3.12.0"));
}

class AppRequirementsTest : public ::testing::Test {
 protected:
  void write(const std::string& relative, const std::string& text) const {
    const std::filesystem::path path = std::filesystem::path(release_dir()) / relative;
    std::filesystem::create_directories(path.parent_path());
    std::ofstream(path) << text;
  }
  // A stand-in tool that prints `output` for --version, first on PATH.
  void fake_tool(const std::string& name, const std::string& output) const {
    write("../bin/" + name, "#!/bin/sh\necho '" + output + "'\n");
    ::chmod((tools_dir() + "/" + name).c_str(), 0755);
  }
  std::string release_dir() const { return top.path() + "/release"; }
  std::string tools_dir() const { return top.path() + "/bin"; }
  AppRequirementInputs inputs(const std::string& path_dirs) const {
    AppRequirementInputs in;
    in.release_dir = release_dir();
    in.env["PATH"] = path_dirs;
    return in;
  }
  test::TempDir top;  // release/ (the app's files) and bin/ (stand-in tools)
};

TEST_F(AppRequirementsTest, NodeEnginesAgainstTheHostsNode) {
  write("package.json", R"({"name": "web", "engines": {"node": ">=20.9.0"}})");
  fake_tool("node", "v18.19.1");
  const auto rows = check_app_requirements(inputs(tools_dir() + ":/usr/bin:/bin"));
  ASSERT_EQ(rows.size(), 1U);
  EXPECT_EQ(rows[0].requirement, "runtime node");
  EXPECT_FALSE(rows[0].result.passed());
  EXPECT_TRUE(rows[0].blocking);
  EXPECT_NE(rows[0].result.evidence.find("node 18.19.1 does not satisfy >=20.9.0"),
            std::string::npos)
      << rows[0].result.evidence;
  EXPECT_NE(rows[0].result.action.find("install node >=20.9.0"), std::string::npos);

  fake_tool("node", "v20.20.2");
  EXPECT_TRUE(check_app_requirements(inputs(tools_dir() + ":/usr/bin:/bin"))[0].result.passed());
}

TEST_F(AppRequirementsTest, TheRealNodeIsReadToo) {
  write("package.json", R"({"engines": {"node": "<1"}})");
  const auto rows = check_app_requirements(inputs("/usr/local/bin:/usr/bin:/bin"));
  ASSERT_EQ(rows.size(), 1U);
  EXPECT_FALSE(rows[0].result.passed()) << rows[0].result.evidence;
  EXPECT_NE(rows[0].result.evidence.find("does not satisfy <1"), std::string::npos)
      << rows[0].result.evidence;
}

TEST_F(AppRequirementsTest, NoNodeAtAllIsAGapAndNoEnginesIsNone) {
  write("package.json", R"({"engines": {"node": ">=20"}})");
  const auto missing = check_app_requirements(inputs(tools_dir()));
  ASSERT_EQ(missing.size(), 1U);
  EXPECT_NE(missing[0].result.evidence.find("node is not installed"), std::string::npos)
      << missing[0].result.evidence;
  write("package.json", R"({"name": "no-engines"})");
  EXPECT_TRUE(check_app_requirements(inputs(tools_dir())).empty());
}

TEST_F(AppRequirementsTest, PythonFromPyprojectOrPythonVersion) {
  fake_tool("python3", "Python 3.11.2");
  write(".python-version", "3.12\n");
  auto rows = check_app_requirements(inputs(tools_dir()));
  ASSERT_EQ(rows.size(), 1U);
  EXPECT_FALSE(rows[0].result.passed());
  EXPECT_NE(rows[0].required.find(".python-version"), std::string::npos);
  write("pyproject.toml", "[project]\nname = \"api\"\nrequires-python = \">=3.10\"\n");
  rows = check_app_requirements(inputs(tools_dir()));
  ASSERT_EQ(rows.size(), 1U);
  EXPECT_TRUE(rows[0].result.passed()) << rows[0].result.evidence;
  EXPECT_NE(rows[0].required.find("requires-python"), std::string::npos);
}

class AlembicRevisionTest : public AppRequirementsTest {
 protected:
  void SetUp() override {
    write("alembic.ini", "[alembic]\nscript_location = %(here)s/migrations\n");
    write("migrations/versions/a1f3c9e2b7d4_notes.py",
          "revision = \"a1f3c9e2b7d4\"\ndown_revision = None\n");
    write("migrations/versions/c5d2e8f1a093_author.py",
          "revision: str = 'c5d2e8f1a093'\ndown_revision = 'a1f3c9e2b7d4'\n");
  }
  AppRequirementInputs sqlite_inputs() const {
    AppRequirementInputs in = inputs("/usr/bin:/bin");
    in.database.kind = manifest::DatabaseKind::sqlite;
    in.sqlite_path = db;
    return in;
  }
  std::string db = top.path() + "/app.db";
};

TEST_F(AlembicRevisionTest, ARevisionTheReleaseLacksIsABlockingGapBeforeAnythingRuns) {
  test::sqlite_exec(db,
                    "CREATE TABLE alembic_version (version_num VARCHAR(32) PRIMARY KEY);"
                    "INSERT INTO alembic_version VALUES ('9d8e7f6a5b4c');");
  const auto rows = check_app_requirements(sqlite_inputs());
  ASSERT_EQ(rows.size(), 1U);
  EXPECT_EQ(rows[0].requirement, "alembic revision");
  EXPECT_FALSE(rows[0].result.passed());
  EXPECT_TRUE(rows[0].blocking);
  EXPECT_NE(rows[0].result.evidence.find("9d8e7f6a5b4c"), std::string::npos);
  EXPECT_NE(rows[0].result.evidence.find("Can't locate revision"), std::string::npos);
  EXPECT_NE(rows[0].result.evidence.find("2 revisions there"), std::string::npos)
      << rows[0].result.evidence;
  EXPECT_NE(rows[0].result.action.find("alembic stamp"), std::string::npos);
}

TEST_F(AlembicRevisionTest, AKnownRevisionOrNoneYetPasses) {
  const auto fresh = check_app_requirements(sqlite_inputs());
  ASSERT_EQ(fresh.size(), 1U);
  EXPECT_TRUE(fresh[0].result.passed()) << fresh[0].result.evidence;
  test::sqlite_exec(db,
                    "CREATE TABLE alembic_version (version_num VARCHAR(32) PRIMARY KEY);"
                    "INSERT INTO alembic_version VALUES ('c5d2e8f1a093');");
  const auto known = check_app_requirements(sqlite_inputs());
  EXPECT_TRUE(known[0].result.passed()) << known[0].result.evidence;
  EXPECT_NE(known[0].result.evidence.find("database at c5d2e8f1a093"), std::string::npos);
}

TEST_F(AlembicRevisionTest, AnUnreachableServerIsAWarningNotAGap) {
  AppRequirementInputs in = inputs("/usr/bin:/bin");
  in.database.kind = manifest::DatabaseKind::postgres;
  in.env["DATABASE_URL"] =
      "postgresql://app:pw-77@127.0.0.1:" + std::to_string(test::free_port()) + "/app";
  const auto rows = check_app_requirements(in);
  ASSERT_EQ(rows.size(), 2U);
  EXPECT_EQ(rows[0].requirement, "database postgres");
  EXPECT_NE(rows[0].result.action.find("start the database server"), std::string::npos);
  EXPECT_EQ(rows[1].requirement, "alembic revision");
  for (const RequirementRow& row : rows) {
    EXPECT_EQ(row.result.status, Status::warn) << row.requirement;
    EXPECT_FALSE(row.blocking) << row.requirement;
    EXPECT_EQ(row.result.evidence.find("pw-77"), std::string::npos);
  }
}

}  // namespace
}  // namespace bosun::checks
