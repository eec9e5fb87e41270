#pragma once
// Small string helpers used across components.

#include <functional>
#include <string>
#include <string_view>
#include <vector>

namespace bosun {

[[nodiscard]] std::string_view trim(std::string_view text);
[[nodiscard]] std::string join(const std::vector<std::string>& parts, std::string_view separator);
// Quotes a value for messages: "abc" with control characters escaped and long text cut.
[[nodiscard]] std::string quote_for_message(std::string_view text);
// A table column: `text` padded with spaces to `width`, or followed by one space when longer.
[[nodiscard]] std::string pad_column(const std::string& text, std::size_t width);
// For streams read in chunks: hands each complete line of `pending` (without its newline) to
// `on_line`, removing it, until `on_line` returns true; returns whether it did. A partial last
// line stays in `pending`.
bool take_lines(std::string& pending, const std::function<bool(std::string_view)>& on_line);

}  // namespace bosun
