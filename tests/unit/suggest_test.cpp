#include "bosun/common/suggest.hpp"

#include <gtest/gtest.h>

namespace bosun {
namespace {

TEST(EditDistance, CountsEdits) {
  EXPECT_EQ(edit_distance("", ""), 0U);
  EXPECT_EQ(edit_distance("abc", ""), 3U);
  EXPECT_EQ(edit_distance("kitten", "sitting"), 3U);
  EXPECT_EQ(edit_distance("depends_on", "depend_on"), 1U);
  EXPECT_EQ(edit_distance("ready", "raedy"), 1U);  // a transposition is one edit
}

TEST(ClosestMatch, SuggestsPlausibleTypos) {
  const std::vector<std::string> keys{"command", "env", "depends_on", "ready", "liveness"};
  EXPECT_EQ(closest_match("comand", keys), "command");
  EXPECT_EQ(closest_match("depend_on", keys), "depends_on");
  EXPECT_EQ(closest_match("livenes", keys), "liveness");
  EXPECT_EQ(closest_match("redy", keys), "ready");
  EXPECT_FALSE(closest_match("banana", keys).has_value());
  EXPECT_FALSE(closest_match("x", keys).has_value());
}

}  // namespace
}  // namespace bosun
