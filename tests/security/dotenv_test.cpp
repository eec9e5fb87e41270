// Issue 16, item 6: the .env round trip of `bosun setup`. What it writes must come back as it
// was: values with spaces, quotes, '#', '$', backslashes and line breaks are quoted on write
// and parsed back; a malformed file is refused naming only the line, never the value.
#include <gtest/gtest.h>

#include "bosun/common/environment.hpp"

namespace bosun {
namespace {

TEST(Dotenv, EveryValueComesBackAsItWasWritten) {
  const std::map<std::string, std::string> values{
      {"PLAIN", "abc=def:/x@y"},
      {"SPACES", "hello big world"},
      {"EDGES", "  padded  "},
      {"QUOTES", R"(she said "hi" and 'bye')"},
      {"HASH", "pa#ss"},
      {"DOLLAR", "$HOME and ${PATH}"},
      {"BACKSLASH", R"(C:\temp\new)"},
      {"MULTILINE", "-----BEGIN KEY-----\nabc\r\ndef\n-----END KEY-----"},
      {"TAB", "a\tb"},
      {"EMPTY", ""},
      {"UNICODE", "naïve ☃"},
  };
  const std::string text = format_dotenv(values);
  EXPECT_EQ(parse_dotenv(text), values) << text;
  EXPECT_NE(text.find("PLAIN=abc=def:/x@y\n"), std::string::npos) << "plain stays plain";
  EXPECT_NE(text.find("SPACES=\"hello big world\"\n"), std::string::npos) << text;
  EXPECT_EQ(text.find("\nabc"), std::string::npos) << "a line break written raw";
}

TEST(Dotenv, WhatUsersWriteByHandIsRead) {
  const auto values = parse_dotenv(
      "# comment\nexport A = 1\nB=\"two words\"  # why\nC='single $kept \\n'\n"
      "D=\"first\nsecond\"\nE=unquoted # not a comment\n");
  EXPECT_EQ(values.at("A"), "1");
  EXPECT_EQ(values.at("B"), "two words");
  EXPECT_EQ(values.at("C"), "single $kept \\n");
  EXPECT_EQ(values.at("D"), "first\nsecond");
  EXPECT_EQ(values.at("E"), "unquoted # not a comment");
}

TEST(Dotenv, AMalformedFileNamesTheLineNotTheValue) {
  for (const auto& [text, message] : std::vector<std::pair<std::string, std::string>>{
           {"OK=1\nSECRET=\"never-ends\n\n", ".env line 2 has a quoted value that never ends"},
           {"SECRET=\"x\" trailing-secret\n", ".env line 1 has text after its closing quote"},
           {"OK=1\nthis is my-secret-value\n", ".env line 2 is not NAME=value"}}) {
    try {
      parse_dotenv(text);
      ADD_FAILURE() << "accepted: " << text;
    } catch (const std::runtime_error& error) {
      EXPECT_EQ(std::string(error.what()), message);
      EXPECT_EQ(std::string(error.what()).find("secret-"), std::string::npos);
    }
  }
}

}  // namespace
}  // namespace bosun
