// `bosun-agent gap`: the manifest's requirements checked on this machine.

#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>

#include <gtest/gtest.h>

#include "agent_namespaces.hpp"
#include "bosun/agent/agent_cli.hpp"
#include "child_process.hpp"

namespace bosun::agent {
namespace {

int run(const std::vector<std::string>& args, std::string& output) {
  std::ostringstream out;
  std::ostringstream err;
  const int code = run_agent_cli(args, out, err);
  output = out.str() + err.str();
  return code;
}

TEST(GapCommand, UsesTheHostsEnvFileAndNeverPrintsValues) {
  test::TempDir dir;
  std::filesystem::create_directories(dir.path() + "/shared");
  std::ofstream(dir.path() + "/shared/.env")
      << "GAP_TEST_SECRET=super-secret-value-0123456789abcdef\n";
  std::ofstream(dir.path() + "/app.yaml")
      << "app: a\nrepo: r\nservices: {w: {command: [x]}}\n"
         "requires:\n  tools: {sh: \"*\"}\n  env: [GAP_TEST_SECRET]\n  disk_free: 1KiB\n";
  std::string output;
  EXPECT_EQ(run({"gap", "-c", dir.path() + "/app.yaml", "--root", dir.path()}, output), 0)
      << output;
  EXPECT_TRUE(std::regex_search(output, std::regex("PASS +env +GAP_TEST_SECRET"))) << output;
  EXPECT_NE(output.find("no blocking gap"), std::string::npos) << output;
  EXPECT_EQ(output.find("super-secret-value"), std::string::npos) << output;
  EXPECT_EQ(run({"gap", "--json", "-c", dir.path() + "/app.yaml", "--root", dir.path()}, output),
            0);
  EXPECT_NE(output.find("\"schema\":\"bosun.report/1\",\"kind\":\"gap\""), std::string::npos)
      << output;
  EXPECT_NE(output.find("\"ok\":true"), std::string::npos) << output;
  EXPECT_EQ(output.find("super-secret-value"), std::string::npos) << output;
}

// `bosun gap` uploads the manifest alone into ROOT/setup/: what the app's own files ask for is
// then read from the live release (here a package.json wanting a Node that cannot exist).
TEST(GapCommand, AManifestUploadedAloneReadsTheAppsFilesFromTheLiveRelease) {
  test::TempDir dir;
  std::filesystem::create_directories(dir.path() + "/setup");
  std::filesystem::create_directories(dir.path() + "/releases/r1");
  std::filesystem::create_directory_symlink(dir.path() + "/releases/r1", dir.path() + "/current");
  std::ofstream(dir.path() + "/releases/r1/package.json") << R"({"engines": {"node": "<1"}})";
  std::ofstream(dir.path() + "/setup/app.yaml")
      << "app: a\nrepo: r\nservices: {w: {command: [node, app.js]}}\n";
  std::string output;
  EXPECT_EQ(run({"gap", "-c", dir.path() + "/setup/app.yaml", "--root", dir.path()}, output), 1)
      << output;
  EXPECT_TRUE(std::regex_search(output, std::regex("FAIL +runtime +node"))) << output;
  EXPECT_NE(output.find("does not satisfy <1"), std::string::npos) << output;
}

TEST(GapCommand, BlockingGapsExitOne) {
  test::TempDir dir;
  std::ofstream(dir.path() + "/app.yaml")
      << "app: a\nrepo: r\nservices: {w: {command: [x]}}\nrequires:\n  env: "
         "[GAP_TEST_SURELY_UNSET_VARIABLE]\n";
  std::string output;
  EXPECT_EQ(run({"gap", "-c", dir.path() + "/app.yaml"}, output), 1);
  EXPECT_NE(output.find("FAIL"), std::string::npos) << output;
  EXPECT_NE(output.find("-> set GAP_TEST_SURELY_UNSET_VARIABLE"), std::string::npos) << output;
  EXPECT_EQ(run({"gap"}, output), 2);
  std::ofstream(dir.path() + "/bad.yaml") << "app: [\n";
  EXPECT_EQ(run({"gap", "-c", dir.path() + "/bad.yaml"}, output), 2);
  EXPECT_NE(output.find("bad.yaml:"), std::string::npos) << output;
}

}  // namespace
}  // namespace bosun::agent
