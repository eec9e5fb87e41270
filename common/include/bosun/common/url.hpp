#pragma once
// http:// and https:// URLs as used by probes and checks.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include <tl/expected.hpp>

namespace bosun {

struct HttpUrl {
  std::string scheme;  // "http" or "https"
  std::string host;    // without brackets for IPv6 literals
  std::uint16_t port = 0;
  std::string target;  // path and query, at least "/"
};

[[nodiscard]] tl::expected<HttpUrl, std::string> parse_http_url(std::string_view text);

// The host and the port's text of an authority ("[::1]:8080", "db:5432"); the reason when
// it is malformed. Shared with the database URLs' parser.
[[nodiscard]] tl::expected<std::pair<std::string, std::string_view>, std::string> split_authority(
    std::string_view authority);
// 1 to 65535, or nullopt.
std::optional<std::uint16_t> parse_port(std::string_view text);

}  // namespace bosun
