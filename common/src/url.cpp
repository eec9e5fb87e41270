#include "bosun/common/url.hpp"

#include <cctype>
#include <optional>
#include <utility>

#include "bosun/common/text.hpp"

namespace bosun {

tl::expected<std::pair<std::string, std::string_view>, std::string> split_authority(
    std::string_view authority) {
  if (authority.starts_with("[")) {
    const std::size_t close = authority.find(']');
    if (close == std::string_view::npos) {
      return tl::make_unexpected(std::string("unterminated IPv6 address"));
    }
    const std::string host(authority.substr(1, close - 1));
    const std::string_view after = authority.substr(close + 1);
    if (after.empty()) {
      return std::pair{host, std::string_view{}};
    }
    if (after.front() != ':') {
      return tl::make_unexpected(std::string("unexpected text after the IPv6 address"));
    }
    if (after.size() == 1) {
      return tl::make_unexpected(std::string("empty port"));
    }
    return std::pair{host, after.substr(1)};
  }
  const std::size_t colon = authority.rfind(':');
  const std::string host(authority.substr(0, colon));
  if (colon == std::string_view::npos) {
    return std::pair{host, std::string_view{}};
  }
  if (colon + 1 == authority.size()) {
    return tl::make_unexpected(std::string("empty port"));
  }
  return std::pair{host, authority.substr(colon + 1)};
}

std::optional<std::uint16_t> parse_port(std::string_view text) {
  unsigned long port = 0;
  for (char c : text) {
    if (c < '0' || c > '9' || port > 65535) {
      return std::nullopt;
    }
    port = port * 10 + static_cast<unsigned long>(c - '0');
  }
  if (port == 0 || port > 65535) {
    return std::nullopt;
  }
  return static_cast<std::uint16_t>(port);
}

tl::expected<HttpUrl, std::string> parse_http_url(std::string_view text) {
  const std::string_view input = trim(text);
  const auto fail = [&](const std::string& why) {
    return tl::make_unexpected(quote_for_message(input) + " is not a valid URL: " + why);
  };
  HttpUrl url;
  std::string_view rest;
  if (input.starts_with("http://")) {
    url.scheme = "http";
    url.port = 80;
    rest = input.substr(7);
  } else if (input.starts_with("https://")) {
    url.scheme = "https";
    url.port = 443;
    rest = input.substr(8);
  } else {
    return fail("it must start with http:// or https://");
  }
  const std::size_t authority_end = rest.find_first_of("/?#");
  std::string_view authority = rest.substr(0, authority_end);
  std::string_view target =
      authority_end == std::string_view::npos ? std::string_view{} : rest.substr(authority_end);
  if (authority.find('@') != std::string_view::npos) {
    return fail("credentials in URLs are not allowed (they would leak into logs)");
  }
  const auto split = split_authority(authority);
  if (!split) {
    return fail(split.error());
  }
  url.host = split->first;
  const std::string_view port_text = split->second;
  if (url.host.empty()) {
    return fail("no host");
  }
  for (char c : url.host) {
    const bool ok = std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '.' || c == '-' ||
                    c == '_' || c == ':';
    if (!ok) {
      return fail("invalid character " + quote_for_message(std::string(1, c)) + " in the host");
    }
  }
  if (!port_text.empty()) {
    const auto port = parse_port(port_text);
    if (!port) {
      return fail("the port must be a number from 1 to 65535");
    }
    url.port = *port;
  }
  for (char c : target) {
    if (static_cast<unsigned char>(c) <= 0x20 || c == 0x7f) {
      return fail("spaces and control characters must be percent-encoded");
    }
  }
  if (target.starts_with("#")) {
    target = {};
  }
  url.target = target.empty() ? "/" : (target.front() == '/' ? "" : "/") + std::string(target);
  return url;
}

}  // namespace bosun
