#pragma once
// Durations as written in manifests and on the command line: "250ms", "30s", "1h30m", "1.5s".

#include <chrono>
#include <string>
#include <string_view>

#include <tl/expected.hpp>

namespace bosun {

using Duration = std::chrono::milliseconds;

// Parses one or more <number><unit> groups (units: ms, s, m, h, d). A unit is mandatory, the
// result is whole milliseconds, and the total must stay below ten years.
// On failure the error says what is wrong with the text, e.g. `needs a unit, e.g. "10s"`.
[[nodiscard]] tl::expected<Duration, std::string> parse_duration(std::string_view text);

// The canonical spelling: largest units first, e.g. 5400000ms -> "1h30m", 1500ms -> "1s500ms".
[[nodiscard]] std::string format_duration(Duration duration);

}  // namespace bosun
