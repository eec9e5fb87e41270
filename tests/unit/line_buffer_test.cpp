// Lines from chunks that split them anywhere, and the cap on a line that never ends.

#include <gtest/gtest.h>

#include "bosun/common/line_buffer.hpp"

namespace bosun {
namespace {

std::vector<std::string> drain(LineBuffer& buffer) {
  std::vector<std::string> lines;
  while (const auto line = buffer.next_line()) {
    lines.push_back(*line);
  }
  return lines;
}

TEST(LineBuffer, GivesEachLineWhereverTheChunksSplitIt) {
  LineBuffer buffer(100);
  buffer.append("first\nsec");
  EXPECT_EQ(drain(buffer), std::vector<std::string>{"first"});
  buffer.append("ond\n\nthi");
  EXPECT_EQ(drain(buffer), (std::vector<std::string>{"second", ""}));
  buffer.append("rd\n");
  EXPECT_EQ(drain(buffer), std::vector<std::string>{"third"});
  EXPECT_FALSE(buffer.overflowed());
}

TEST(LineBuffer, ManyLinesThroughOneBufferComeOutInOrder) {
  LineBuffer buffer(100);
  std::string text;
  for (int i = 0; i < 5000; ++i) {
    text += "line " + std::to_string(i) + "\n";
  }
  for (std::size_t at = 0; at < text.size(); at += 333) {
    buffer.append(std::string_view(text).substr(at, 333));
  }
  const auto lines = drain(buffer);
  ASSERT_EQ(lines.size(), 5000U);
  EXPECT_EQ(lines.front(), "line 0");
  EXPECT_EQ(lines.back(), "line 4999");
}

TEST(LineBuffer, ALineThatNeverEndsOverflowsAtTheCap) {
  LineBuffer buffer(64);
  buffer.append(std::string(64, 'x'));
  EXPECT_FALSE(buffer.next_line());
  EXPECT_FALSE(buffer.overflowed()) << "64 bytes are within the cap";
  buffer.append("y");
  EXPECT_FALSE(buffer.next_line());
  EXPECT_TRUE(buffer.overflowed());
}

TEST(LineBuffer, AWholeLineOverTheCapIsRefusedToo) {
  LineBuffer buffer(8);
  buffer.append("short\n" + std::string(20, 'z') + "\n");
  EXPECT_EQ(buffer.next_line(), std::optional<std::string>("short"));
  EXPECT_FALSE(buffer.next_line());
  EXPECT_TRUE(buffer.overflowed());
}

}  // namespace
}  // namespace bosun
