// Truncated, mutated and hostile YAML must never crash or hang the loader: it returns
// diagnostics. Deterministic (fixed seeds), so a failure reproduces.

#include <cstdint>
#include <fstream>
#include <random>
#include <sstream>

#include <gtest/gtest.h>

#include "bosun/manifest/loader.hpp"

namespace bosun::manifest {
namespace {

std::string read_example(const char* name) {
  std::ifstream in(std::string(BOSUN_SOURCE_DIR) + "/manifests/examples/" + name);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

// Every loader outcome is either a manifest or at least one error, never neither.
void expect_consistent(const LoadResult& result) {
  if (!result.ok()) {
    const bool has_error =
        std::any_of(result.diagnostics.begin(), result.diagnostics.end(),
                    [](const Diagnostic& d) { return d.severity == Severity::error; });
    EXPECT_TRUE(has_error);
  }
}

TEST(ManifestRobustness, EveryTruncationOfTheExample) {
  const std::string text = read_example("platform.yaml");
  ASSERT_GT(text.size(), 1000U);
  std::size_t accepted = 0;
  for (std::size_t length = 0; length <= text.size(); length += 7) {
    const LoadResult result = parse_manifest(text.substr(0, length), "cut.yaml");
    expect_consistent(result);
    accepted += result.ok() ? 1U : 0U;
  }
  // The whole file is valid; most prefixes lack services or end mid-value.
  EXPECT_LT(accepted, text.size() / 7);
}

TEST(ManifestRobustness, RandomByteMutations) {
  const std::string text = read_example("platform.yaml");
  std::mt19937 random(20261122);
  const std::string alphabet = "{}[]:,-&*!|>'\"#%@`\n\t \\$0123456789abcz\x01\xff";
  for (int round = 0; round < 1500; ++round) {
    std::string mutated = text;
    const std::uint32_t edits = 1U + static_cast<std::uint32_t>(random() % 8U);
    for (std::uint32_t e = 0; e < edits; ++e) {
      const std::size_t pos = random() % mutated.size();
      switch (random() % 3) {
        case 0:
          mutated[pos] = alphabet[random() % alphabet.size()];
          break;
        case 1:
          mutated.insert(pos, 1, alphabet[random() % alphabet.size()]);
          break;
        default:
          mutated.erase(pos, 1 + random() % 16);
          break;
      }
      if (mutated.empty()) {
        mutated = "x";
      }
    }
    expect_consistent(parse_manifest(mutated, "mutated.yaml"));
  }
}

TEST(ManifestRobustness, HostileStructures) {
  const std::vector<std::string> inputs{
      std::string(100'000, '['),  // deep flow nesting
      std::string(50'000, '{'),
      [] {
        std::string deep;
        for (int i = 0; i < 5000; ++i) {
          deep += std::string(static_cast<std::size_t>(i % 200), ' ') + "- \n";
        }
        return deep;
      }(),
      "a: &a [*a, *a]\n",  // alias to itself
      "x: &x {y: *x}\napp: *x\nrepo: *x\nservices: {w: {command: *x}}\n",
      "services: &s {w: {command: [x], depends_on: *s}}\napp: a\nrepo: r\n",
      "app: demo\nrepo: r\nservices:\n  w: &w {command: [x], env: *w}\n",
      std::string("app: \0demo\n", 11),
      "\xef\xbb\xbf"
      "app: demo\n",  // BOM
      "%YAML 1.2\n---\napp: demo\n...\n---\nmore: docs\n",
      "app: !!binary aGVsbG8=\nrepo: !custom x\nservices: {w: {command: [x]}}\n",
      "? [complex, key]\n: value\n",
      "app: demo\nrepo: r\nservices:\n  w: {command: [x], ready: {http: {url: "
      "\"http://h:99999999999999999999/\"}}}\n",
      "keep_releases: 99999999999999999999999\n",
      "app: " + std::string(2'000'000, 'a') + "\n",  // larger than accepted
  };
  for (const std::string& input : inputs) {
    expect_consistent(parse_manifest(input, "hostile.yaml"));
  }
}

TEST(ManifestRobustness, OversizedInputIsRejectedUpFront) {
  const LoadResult result = parse_manifest(std::string(k_max_manifest_bytes + 1, '#'), "big.yaml");
  ASSERT_FALSE(result.ok());
  EXPECT_NE(result.diagnostics[0].message.find("at most"), std::string::npos);
}

}  // namespace
}  // namespace bosun::manifest
