#include "bosun/common/names.hpp"

#include <string>

#include <gtest/gtest.h>

namespace bosun {
namespace {

TEST(Names, FollowTheNamingRule) {
  EXPECT_TRUE(is_valid_name("server"));
  EXPECT_TRUE(is_valid_name("web-2"));
  EXPECT_TRUE(is_valid_name("0day_worker"));
  EXPECT_TRUE(is_valid_name(std::string(64, 'a')));
  EXPECT_FALSE(is_valid_name(std::string(65, 'a')));
  EXPECT_FALSE(is_valid_name(""));
  EXPECT_FALSE(is_valid_name("Server"));
  EXPECT_FALSE(is_valid_name("-web"));
  EXPECT_FALSE(is_valid_name("_web"));
  EXPECT_FALSE(is_valid_name("web server"));
  EXPECT_FALSE(is_valid_name("web.1"));
  EXPECT_FALSE(is_valid_name("../etc"));
}

TEST(Names, EnvironmentVariableNames) {
  EXPECT_TRUE(is_valid_env_name("JWT_SECRET_KEY"));
  EXPECT_TRUE(is_valid_env_name("_private"));
  EXPECT_TRUE(is_valid_env_name("path2"));
  EXPECT_FALSE(is_valid_env_name("2FAST"));
  EXPECT_FALSE(is_valid_env_name("MY-VAR"));
  EXPECT_FALSE(is_valid_env_name(""));
  EXPECT_FALSE(is_valid_env_name("A=B"));
}

}  // namespace
}  // namespace bosun
