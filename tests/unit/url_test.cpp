#include "bosun/common/url.hpp"

#include <gtest/gtest.h>

namespace bosun {
namespace {

TEST(ParseHttpUrl, SplitsTheParts) {
  const auto url = parse_http_url("http://127.0.0.1:8080/ready?deep=1");
  ASSERT_TRUE(url.has_value()) << url.error();
  EXPECT_EQ(url->scheme, "http");
  EXPECT_EQ(url->host, "127.0.0.1");
  EXPECT_EQ(url->port, 8080);
  EXPECT_EQ(url->target, "/ready?deep=1");
}

TEST(ParseHttpUrl, DefaultsPortAndPath) {
  EXPECT_EQ(parse_http_url("https://example.com")->port, 443);
  EXPECT_EQ(parse_http_url("https://example.com")->target, "/");
  EXPECT_EQ(parse_http_url("http://localhost")->port, 80);
  const auto v6 = parse_http_url("http://[::1]:9000/health");
  ASSERT_TRUE(v6.has_value());
  EXPECT_EQ(v6->host, "::1");
  EXPECT_EQ(v6->port, 9000);
}

TEST(ParseHttpUrl, RejectsWithReason) {
  const auto cases = {
      std::pair{"127.0.0.1:8080/health", "must start with http"},
      std::pair{"ftp://host/", "must start with http"},
      std::pair{"http://:8080/", "no host"},
      std::pair{"http://host:0/", "port"},
      std::pair{"http://host:70000/", "port"},
      std::pair{"http://host:80a/", "port"},
      std::pair{"http://host:/", "empty port"},
      std::pair{"http://user:pw@host/", "credentials"},
      std::pair{"http://ho st/", "invalid character"},
      std::pair{"http://host/a b", "percent-encoded"},
      std::pair{"http://[::1/", "unterminated"},
  };
  for (const auto& [text, reason] : cases) {
    const auto url = parse_http_url(text);
    ASSERT_FALSE(url.has_value()) << text;
    EXPECT_NE(url.error().find(reason), std::string::npos) << text << ": " << url.error();
  }
}

}  // namespace
}  // namespace bosun
