#pragma once
// http:// and https:// URLs as used by probes and checks.

#include <cstdint>
#include <string>
#include <string_view>

#include <tl/expected.hpp>

namespace bosun {

struct HttpUrl {
  std::string scheme;  // "http" or "https"
  std::string host;    // without brackets for IPv6 literals
  std::uint16_t port = 0;
  std::string target;  // path and query, at least "/"
};

[[nodiscard]] tl::expected<HttpUrl, std::string> parse_http_url(std::string_view text);

}  // namespace bosun
