#include "bosun/common/program_path.hpp"

#include <gtest/gtest.h>

namespace bosun {
namespace {

TEST(FindProgram, SearchesTheGivenPathNotTheCallers) {
  EXPECT_EQ(find_program("sh", "/nonexistent:/bin"), "/bin/sh");
  EXPECT_EQ(find_program("sh", "/nonexistent"), "sh");  // not found: unchanged, exec fails with 127
  EXPECT_EQ(find_program("./run.sh", "/bin"), "./run.sh");
  EXPECT_EQ(find_program("/usr/bin/env", ""), "/usr/bin/env");
  EXPECT_EQ(find_program("", "/bin"), "");
}

}  // namespace
}  // namespace bosun
