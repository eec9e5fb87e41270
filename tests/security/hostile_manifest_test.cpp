// Issue 16, item 3: a manifest from a hostile commit. YAML aliases re-use an anchor's whole
// subtree, so a small file can expand to millions of nodes when read: the loader refuses past
// its budget with a file:line:col error before reading anything, and its duplicate checks are
// linear, so a long list is no denial of service either.
#include <gtest/gtest.h>

#include <string>

#include "bosun/manifest/loader.hpp"

namespace bosun::manifest {
namespace {

const std::string k_head = "app: demo\nrepo: /tmp/demo.git\nservices:\n  web: {command: [web]}\n";

// `build: [&a [x, x, ...], *a, *a, ...]`: `width` strings, used `width` times.
std::string alias_bomb(int width) {
  std::string inner = "[";
  for (int i = 0; i < width; ++i) {
    inner += i == 0 ? "x" : ",x";
  }
  std::string text = k_head + "build: [&a " + inner + "]";
  for (int i = 1; i < width; ++i) {
    text += ",*a";
  }
  return text + "]\n";
}

const Diagnostic* first_error(const LoadResult& result) {
  for (const Diagnostic& diagnostic : result.diagnostics) {
    if (diagnostic.severity == Severity::error) {
      return &diagnostic;
    }
  }
  return nullptr;
}

TEST(HostileManifest, AnAliasBombIsRefusedAtItsLineBeforeItExpands) {
  for (const int width : {2'500, 10'000}) {  // 25 million strings; 100 million
    const std::string text = alias_bomb(width);
    ASSERT_LT(text.size(), 120'000U);
    const LoadResult result = parse_manifest(text, "app.yaml");
    EXPECT_FALSE(result.manifest.has_value());
    const Diagnostic* error = first_error(result);
    ASSERT_NE(error, nullptr);
    EXPECT_NE(error->message.find("expands to more than 100000 YAML nodes"), std::string::npos)
        << error->message;
    EXPECT_EQ(error->where.line, 5) << "the build: line";
    EXPECT_GT(error->where.column, 0);
  }
}

TEST(HostileManifest, DeepNestingIsRefusedNotRecursedInto) {
  const std::string text =
      k_head + "build: " + std::string(2'000, '[') + "x" + std::string(2'000, ']') + "\n";
  const LoadResult result = parse_manifest(text, "app.yaml");
  EXPECT_FALSE(result.manifest.has_value());
  ASSERT_NE(first_error(result), nullptr);
}

TEST(HostileManifest, ALongSharedListLoadsAndItsDuplicateIsNamedWithItsFirstLine) {
  std::string text = k_head + "shared:\n";
  for (int i = 0; i < 30'000; ++i) {
    text += "  - data/d" + std::to_string(i) + "\n";
  }
  const LoadResult fine = parse_manifest(text, "app.yaml");
  ASSERT_TRUE(fine.manifest.has_value());
  EXPECT_EQ(fine.manifest->shared.size(), 30'000U);

  text += "  - data/d7\n";
  const LoadResult doubled = parse_manifest(text, "app.yaml");
  EXPECT_FALSE(doubled.manifest.has_value());
  const Diagnostic* error = first_error(doubled);
  ASSERT_NE(error, nullptr);
  EXPECT_EQ(error->message, "duplicate entry \"data/d7\" (first given on line 13)");
  EXPECT_EQ(error->where.line, 30'006);
}

}  // namespace
}  // namespace bosun::manifest
