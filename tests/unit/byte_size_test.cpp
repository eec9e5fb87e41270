#include "bosun/common/byte_size.hpp"

#include <gtest/gtest.h>

namespace bosun {
namespace {

TEST(ParseByteSize, BinaryAndDecimalUnits) {
  EXPECT_EQ(parse_byte_size("512MiB").value(), 512ULL * 1024 * 1024);
  EXPECT_EQ(parse_byte_size("1GiB").value(), 1024ULL * 1024 * 1024);
  EXPECT_EQ(parse_byte_size("1GB").value(), 1'000'000'000ULL);
  EXPECT_EQ(parse_byte_size("10MB").value(), 10'000'000ULL);
  EXPECT_EQ(parse_byte_size("4KiB").value(), 4096ULL);
  EXPECT_EQ(parse_byte_size("100B").value(), 100ULL);
  EXPECT_EQ(parse_byte_size("1.5GiB").value(), 1536ULL * 1024 * 1024);
  EXPECT_EQ(parse_byte_size("2G").value(), 2048ULL * 1024 * 1024);
  EXPECT_EQ(parse_byte_size("1gib").value(), 1024ULL * 1024 * 1024);
  EXPECT_EQ(parse_byte_size("1 GiB").value(), 1024ULL * 1024 * 1024);
  EXPECT_EQ(parse_byte_size("1TiB").value(), 1024ULL * 1024 * 1024 * 1024);
}

TEST(ParseByteSize, RejectsWithReason) {
  const auto needs_unit = parse_byte_size("512");
  ASSERT_FALSE(needs_unit);
  EXPECT_NE(needs_unit.error().find("needs a unit"), std::string::npos);
  const auto unknown = parse_byte_size("5 parsecs");
  ASSERT_FALSE(unknown);
  EXPECT_NE(unknown.error().find("unknown unit"), std::string::npos);
  EXPECT_FALSE(parse_byte_size(""));
  EXPECT_FALSE(parse_byte_size("-1MiB"));
  EXPECT_FALSE(parse_byte_size("1..5MiB"));
  EXPECT_FALSE(parse_byte_size("99999999999999TiB"));
}

TEST(ParseByteSize, ComparesAcrossUnits) {
  EXPECT_GT(parse_byte_size("1GiB").value(), parse_byte_size("1GB").value());
  EXPECT_LT(parse_byte_size("999MiB").value(), parse_byte_size("1GiB").value());
  EXPECT_EQ(parse_byte_size("1024MiB").value(), parse_byte_size("1GiB").value());
}

TEST(FormatByteSize, ShortestExactSpelling) {
  EXPECT_EQ(format_byte_size(512ULL * 1024 * 1024), "512MiB");
  EXPECT_EQ(format_byte_size(1024ULL * 1024 * 1024), "1GiB");
  EXPECT_EQ(format_byte_size(1000), "1000B");
  EXPECT_EQ(format_byte_size(1536), "1.5KiB");
  EXPECT_EQ(format_byte_size(0), "0B");
}

}  // namespace
}  // namespace bosun
