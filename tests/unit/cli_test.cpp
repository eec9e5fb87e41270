// The command-line layer: parsing, --help everywhere, exit codes, and `manifest check` output.

#include <sstream>

#include <gtest/gtest.h>

#include "bosun/agent/agent_cli.hpp"
#include "bosun/common/cli.hpp"
#include "bosun/controller/bosun_cli.hpp"

namespace bosun {
namespace {

struct CliRun {
  int code;
  std::string out;
  std::string err;
};

CliRun run_bosun(const std::vector<std::string>& args) {
  std::ostringstream out;
  std::ostringstream err;
  const int code = controller::run_bosun(args, out, err);
  return {code, out.str(), err.str()};
}

const std::string k_examples = std::string(BOSUN_SOURCE_DIR) + "/manifests/examples/";
const std::string k_broken = std::string(BOSUN_SOURCE_DIR) + "/tests/data/broken.yaml";

TEST(ArgParser, ParsesLongShortAndBundledOptions) {
  std::string config;
  bool json = false;
  int verbose = 0;
  std::string target;
  cli::ArgParser parser("tool", "does things");
  parser.option("config", 'c', "FILE", "config", config)
      .flag("json", 0, "json", json)
      .counter("verbose", 'v', "more", verbose)
      .positional("TARGET", "what", target, true);
  std::ostringstream out;
  std::ostringstream err;
  EXPECT_EQ(parser.parse({"-vv", "--config=a.yaml", "--json", "web"}, out, err),
            cli::ArgParser::Outcome::proceed)
      << err.str();
  EXPECT_EQ(config, "a.yaml");
  EXPECT_TRUE(json);
  EXPECT_EQ(verbose, 2);
  EXPECT_EQ(target, "web");
  EXPECT_EQ(parser.parse({"-cother.yaml", "x"}, out, err), cli::ArgParser::Outcome::proceed);
  EXPECT_EQ(config, "other.yaml");
}

TEST(ArgParser, UsageErrorsAreClear) {
  std::string config;
  bool json = false;
  cli::ArgParser parser("tool", "does things");
  parser.option("config", 'c', "FILE", "config", config).flag("json", 0, "json", json);
  std::ostringstream out;
  std::ostringstream err;
  EXPECT_EQ(parser.parse({"--jsn"}, out, err), cli::ArgParser::Outcome::error);
  EXPECT_NE(err.str().find("unknown option --jsn (did you mean --json?)"), std::string::npos)
      << err.str();
  err.str("");
  EXPECT_EQ(parser.parse({"--config"}, out, err), cli::ArgParser::Outcome::error);
  EXPECT_NE(err.str().find("needs a value"), std::string::npos) << err.str();
  err.str("");
  EXPECT_EQ(parser.parse({"--json=yes"}, out, err), cli::ArgParser::Outcome::error);
  EXPECT_NE(err.str().find("takes no value"), std::string::npos) << err.str();
  err.str("");
  EXPECT_EQ(parser.parse({"extra"}, out, err), cli::ArgParser::Outcome::error);
  EXPECT_NE(err.str().find("unexpected argument 'extra'"), std::string::npos) << err.str();
}

TEST(BosunCli, HelpAtEveryLevel) {
  for (const auto& args : std::vector<std::vector<std::string>>{
           {"--help"}, {"manifest", "--help"}, {"manifest", "check", "--help"}}) {
    const CliRun run = run_bosun(args);
    EXPECT_EQ(run.code, 0);
    EXPECT_NE(run.out.find("Usage: bosun"), std::string::npos) << run.out;
  }
}

TEST(BosunCli, UnknownCommandSuggests) {
  const CliRun run = run_bosun({"manifset"});
  EXPECT_EQ(run.code, 2);
  EXPECT_NE(run.err.find("unknown command 'manifset' (did you mean 'manifest'?)"),
            std::string::npos)
      << run.err;
}

TEST(BosunCli, NoCommandPrintsListingAndFails) {
  const CliRun run = run_bosun({});
  EXPECT_EQ(run.code, 2);
  EXPECT_NE(run.err.find("Commands:"), std::string::npos);
}

TEST(BosunCli, VersionFlag) {
  const CliRun run = run_bosun({"--version"});
  EXPECT_EQ(run.code, 0);
  EXPECT_TRUE(run.out.starts_with("bosun ")) << run.out;
}

TEST(BosunCli, ManifestCheckValid) {
  const CliRun run = run_bosun({"manifest", "check", "-c", k_examples + "platform.yaml"});
  EXPECT_EQ(run.code, 0) << run.err;
  EXPECT_NE(run.out.find("platform.yaml: valid"), std::string::npos) << run.out;
  EXPECT_NE(run.out.find("services, in start order:"), std::string::npos);
}

TEST(BosunCli, ManifestCheckBrokenListsEveryError) {
  const CliRun run = run_bosun({"manifest", "check", "-c", k_broken});
  EXPECT_EQ(run.code, 2);
  EXPECT_NE(run.err.find(k_broken + ":4:16: error: keep_releases: expected a whole number"),
            std::string::npos)
      << run.err;
  EXPECT_NE(run.err.find(k_broken + ":8:18: error: services.web.depends_on: unknown service"),
            std::string::npos)
      << run.err;
  EXPECT_NE(run.err.find(k_broken + ":9:11: error: services.comand: expected a map"),
            std::string::npos)
      << run.err;
  EXPECT_NE(run.err.find("3 errors"), std::string::npos) << run.err;
}

TEST(BosunCli, ManifestCheckJson) {
  const CliRun ok = run_bosun({"manifest", "check", "--json", "-c", k_examples + "minimal.yaml"});
  EXPECT_EQ(ok.code, 0);
  EXPECT_NE(ok.out.find("\"ok\": true"), std::string::npos) << ok.out;
  const CliRun bad = run_bosun({"manifest", "check", "--json", "-c", k_broken});
  EXPECT_EQ(bad.code, 2);
  EXPECT_NE(bad.out.find("\"ok\": false"), std::string::npos) << bad.out;
  EXPECT_NE(bad.out.find("\"line\": 4"), std::string::npos) << bad.out;
  EXPECT_NE(bad.out.find("\"column\": 16"), std::string::npos) << bad.out;
}

TEST(BosunCli, ManifestCheckMissingFile) {
  const CliRun run = run_bosun({"manifest", "check", "-c", "/nonexistent/app.yaml"});
  EXPECT_EQ(run.code, 2);
  EXPECT_NE(run.err.find("/nonexistent/app.yaml: error: cannot read the manifest"),
            std::string::npos)
      << run.err;
}

TEST(AgentCli, SharesManifestCheck) {
  std::ostringstream out;
  std::ostringstream err;
  EXPECT_EQ(agent::run_agent_cli({"manifest", "check", "-c", k_broken}, out, err), 2);
  EXPECT_NE(err.str().find(":4:16: error:"), std::string::npos) << err.str();
  std::ostringstream help;
  EXPECT_EQ(agent::run_agent_cli({"--help"}, help, err), 0);
  EXPECT_NE(help.str().find("Usage: bosun-agent"), std::string::npos);
}

}  // namespace
}  // namespace bosun
