#include "bosun/common/duration.hpp"

#include <gtest/gtest.h>

namespace bosun {
namespace {

struct DurationCase {
  const char* text;
  long long millis;
};

class ValidDuration : public ::testing::TestWithParam<DurationCase> {};

TEST_P(ValidDuration, Parses) {
  const auto parsed = parse_duration(GetParam().text);
  ASSERT_TRUE(parsed.has_value()) << GetParam().text << ": " << parsed.error();
  EXPECT_EQ(parsed->count(), GetParam().millis) << GetParam().text;
}

INSTANTIATE_TEST_SUITE_P(
    Table, ValidDuration,
    ::testing::Values(DurationCase{"250ms", 250}, DurationCase{"30s", 30'000},
                      DurationCase{"5m", 300'000}, DurationCase{"1h", 3'600'000},
                      DurationCase{"1h30m", 5'400'000}, DurationCase{"1m30s", 90'000},
                      DurationCase{"1.5s", 1'500}, DurationCase{"0s", 0},
                      DurationCase{" 10s ", 10'000}, DurationCase{"2d", 172'800'000},
                      DurationCase{"1s500ms", 1'500}));

class InvalidDuration : public ::testing::TestWithParam<std::pair<const char*, const char*>> {};

TEST_P(InvalidDuration, ExplainsWhy) {
  const auto parsed = parse_duration(GetParam().first);
  ASSERT_FALSE(parsed.has_value()) << GetParam().first;
  EXPECT_NE(parsed.error().find(GetParam().second), std::string::npos)
      << "error was: " << parsed.error();
}

INSTANTIATE_TEST_SUITE_P(
    Table, InvalidDuration,
    ::testing::Values(std::pair{"", "is empty"}, std::pair{"10", "needs a unit"},
                      std::pair{"10x", "unknown unit \"x\""}, std::pair{"-5s", "negative"},
                      std::pair{"s", "is not a duration"}, std::pair{"1.2.3s", "is not a duration"},
                      std::pair{"0.5ms", "finer than a millisecond"},
                      std::pair{"99999999d", "too long"}, std::pair{"10 s", "unknown unit"},
                      std::pair{"10sec", "unknown unit"}));

TEST(FormatDuration, UsesLargestUnitsFirst) {
  EXPECT_EQ(format_duration(Duration(5'400'000)), "1h30m");
  EXPECT_EQ(format_duration(Duration(1'500)), "1s500ms");
  EXPECT_EQ(format_duration(Duration(0)), "0s");
  EXPECT_EQ(format_duration(Duration(100)), "100ms");
  EXPECT_EQ(format_duration(Duration(86'400'000)), "1d");
}

TEST(FormatDuration, RoundTripsThroughParse) {
  for (long long millis : {1LL, 999LL, 1'000LL, 61'001LL, 3'600'000LL, 90'061'001LL}) {
    const auto parsed = parse_duration(format_duration(Duration(millis)));
    ASSERT_TRUE(parsed.has_value());
    EXPECT_EQ(parsed->count(), millis);
  }
}

}  // namespace
}  // namespace bosun
