#include "bosun/common/version.hpp"

#include <gtest/gtest.h>

namespace bosun {
namespace {

Version v(const char* text) {
  auto parsed = Version::parse(text);
  EXPECT_TRUE(parsed.has_value()) << text;
  return parsed.value_or(Version{});
}

TEST(Version, ParsesCommonSpellings) {
  EXPECT_EQ(v("7").to_string(), "7");
  EXPECT_EQ(v("3.25.1").to_string(), "3.25.1");
  EXPECT_EQ(v("v1.2.3").to_string(), "1.2.3");
  EXPECT_EQ(v("1.0.0-rc1").to_string(), "1.0.0-rc1");
  EXPECT_EQ(v("1.2.3+build5").to_string(), "1.2.3");
}

TEST(Version, RejectsJunk) {
  for (const char* text : {"", "abc", "1.", ".1", "1..2", "1.2.3-", "1.2 beta", "1.2.3-r c"}) {
    EXPECT_FALSE(Version::parse(text).has_value()) << text;
  }
}

TEST(Version, ComparesNumericallyWithZeroPadding) {
  EXPECT_LT(v("3.9"), v("3.25"));
  EXPECT_EQ(v("7.0"), v("7.0.0"));
  EXPECT_GT(v("7.0.1"), v("7"));
  EXPECT_LT(v("1.0.0-rc1"), v("1.0.0"));
  EXPECT_LT(v("1.0.0-alpha"), v("1.0.0-beta"));
  EXPECT_GT(v("12.2.0"), v("11.4.0"));
}

TEST(Version, FindsVersionInToolOutput) {
  EXPECT_EQ(Version::find_in("Redis server v=7.0.15 sha=00000000:0 malloc=jemalloc")->to_string(),
            "7.0.15");
  EXPECT_EQ(Version::find_in("cmake version 3.25.1\n\nCMake suite")->to_string(), "3.25.1");
  EXPECT_EQ(Version::find_in("g++ (Debian 12.2.0-14+deb12u1) 12.2.0")->to_string(), "12.2.0");
  EXPECT_EQ(Version::find_in("OpenSSH_9.2p1 Debian-2+deb12u3")->to_string(), "9.2");
  EXPECT_FALSE(Version::find_in("no digits here").has_value());
  // The MySQL/MariaDB clients print their protocol version (15.1) before the release.
  const auto mariadb =
      Version::find_in("mysql  Ver 15.1 Distrib 10.11.6-MariaDB, for debian-linux-gnu (x86_64)");
  ASSERT_TRUE(mariadb.has_value());
  EXPECT_EQ(mariadb->to_string().substr(0, 7), "10.11.6");
  EXPECT_EQ(Version::find_in("mariadb from 11.4.2-MariaDB, client 15.2 for debian-linux-gnu")
                ->to_string()
                .substr(0, 6),
            "11.4.2");
  EXPECT_EQ(Version::find_in("mysql  Ver 8.0.36 for Linux on x86_64 (MySQL Community Server)")
                ->to_string(),
            "8.0.36");
  EXPECT_FALSE(Version::find_in("build 42").has_value());
}

struct ConstraintCase {
  const char* constraint;
  const char* version;
  bool satisfied;
};

class ConstraintTable : public ::testing::TestWithParam<ConstraintCase> {};

TEST_P(ConstraintTable, Evaluates) {
  const auto constraint = VersionConstraint::parse(GetParam().constraint);
  ASSERT_TRUE(constraint.has_value()) << GetParam().constraint << ": " << constraint.error();
  EXPECT_EQ(constraint->satisfied_by(v(GetParam().version)), GetParam().satisfied)
      << GetParam().constraint << " vs " << GetParam().version;
}

INSTANTIATE_TEST_SUITE_P(
    Table, ConstraintTable,
    ::testing::Values(
        ConstraintCase{">=7.0", "7.0.15", true}, ConstraintCase{">=7.0", "6.2.6", false},
        ConstraintCase{">= 7.0", "7.2", true}, ConstraintCase{">7", "7.0.0", false},
        ConstraintCase{">7", "7.0.1", true}, ConstraintCase{"<4", "3.99", true},
        ConstraintCase{"<4", "4.0", false}, ConstraintCase{"<=4", "4.0.0", true},
        ConstraintCase{">=3.25, <4", "3.25.1", true}, ConstraintCase{">=3.25, <4", "4.1", false},
        ConstraintCase{">=3.25 <4", "3.24", false}, ConstraintCase{"7.0", "7.0.15", true},
        ConstraintCase{"7.0", "7.1", false}, ConstraintCase{"=12", "12.2.0", true},
        ConstraintCase{"7.x", "7.4", true}, ConstraintCase{"7.x", "8.0", false},
        ConstraintCase{"^1.2.3", "1.9.0", true}, ConstraintCase{"^1.2.3", "2.0.0", false},
        ConstraintCase{"^1.2.3", "1.2.2", false}, ConstraintCase{"^0.2.3", "0.2.9", true},
        ConstraintCase{"^0.2.3", "0.3.0", false}, ConstraintCase{"~1.2.3", "1.2.9", true},
        ConstraintCase{"~1.2.3", "1.3.0", false}, ConstraintCase{"~1", "1.9", true},
        ConstraintCase{"^1.2", "2.0.0-rc1", false}, ConstraintCase{"!=1.2", "1.2.0", false},
        ConstraintCase{"!=1.2", "1.2.1", true}, ConstraintCase{"*", "0.0.1", true},
        ConstraintCase{"any", "99", true}));

TEST(VersionConstraint, RejectsWithReason) {
  for (const char* text : {"", ">=", ">=abc", "=>7", "7.x.1", ">=7.x", "<>3"}) {
    const auto parsed = VersionConstraint::parse(text);
    EXPECT_FALSE(parsed.has_value()) << text;
  }
  const auto parsed = VersionConstraint::parse(">=seven");
  ASSERT_FALSE(parsed.has_value());
  EXPECT_NE(parsed.error().find("\"seven\" is not a version"), std::string::npos) << parsed.error();
}

}  // namespace
}  // namespace bosun
