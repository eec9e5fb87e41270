#pragma once
// "Did you mean" suggestions for misspelt keys, commands and service names.

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace bosun {

// Optimal-string-alignment distance: insertions, deletions, substitutions and transpositions.
[[nodiscard]] std::size_t edit_distance(std::string_view a, std::string_view b);

// The candidate closest to `word` when it is close enough to be a plausible typo
// (distance at most 1 for short words, 2 for words of five letters or more, 3 from nine).
[[nodiscard]] std::optional<std::string> closest_match(std::string_view word,
                                                       const std::vector<std::string>& candidates);

}  // namespace bosun
