#pragma once
// Small string helpers used across components.

#include <string>
#include <string_view>
#include <vector>

namespace bosun {

[[nodiscard]] std::string_view trim(std::string_view text);
[[nodiscard]] std::string join(const std::vector<std::string>& parts, std::string_view separator);
// Quotes a value for messages: "abc" with control characters escaped and long text cut.
[[nodiscard]] std::string quote_for_message(std::string_view text);

}  // namespace bosun
