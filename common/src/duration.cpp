#include "bosun/common/duration.hpp"

#include <array>
#include <cstdint>

#include "bosun/common/text.hpp"

namespace bosun {
namespace {

struct Unit {
  std::string_view suffix;
  std::int64_t millis;
};

// Longest suffix first so that "ms" is not read as "m" followed by junk.
constexpr std::array<Unit, 5> k_units{{
    {"ms", 1},
    {"s", 1000},
    {"m", 60 * 1000},
    {"h", 60 * 60 * 1000},
    {"d", 24 * 60 * 60 * 1000},
}};

constexpr std::int64_t k_max_millis = 10LL * 365 * 24 * 60 * 60 * 1000;

bool is_digit(char c) {
  return c >= '0' && c <= '9';
}

}  // namespace

tl::expected<Duration, std::string> parse_duration(std::string_view text) {
  const std::string_view input = trim(text);
  if (input.empty()) {
    return tl::make_unexpected("is empty; write a duration such as \"10s\" or \"250ms\"");
  }
  if (input.front() == '-') {
    return tl::make_unexpected(quote_for_message(input) + " is negative");
  }
  long double total = 0;
  std::size_t pos = 0;
  while (pos < input.size()) {
    const std::size_t number_start = pos;
    std::size_t dots = 0;
    while (pos < input.size() && (is_digit(input[pos]) || input[pos] == '.')) {
      dots += input[pos] == '.' ? 1U : 0U;
      ++pos;
    }
    const std::string_view number = input.substr(number_start, pos - number_start);
    if (number.empty() || dots > 1 || number == ".") {
      return tl::make_unexpected(quote_for_message(input) +
                                 " is not a duration; write e.g. \"10s\", \"250ms\" or \"1h30m\"");
    }
    const std::size_t unit_start = pos;
    while (pos < input.size() && !is_digit(input[pos]) && input[pos] != '.') {
      ++pos;
    }
    const std::string_view unit_text = input.substr(unit_start, pos - unit_start);
    if (unit_text.empty()) {
      return tl::make_unexpected(quote_for_message(input) + " needs a unit, e.g. \"" +
                                 std::string(number) + "s\" or \"" + std::string(number) +
                                 "ms\" (units: ms, s, m, h, d)");
    }
    const Unit* unit = nullptr;
    for (const Unit& candidate : k_units) {
      if (candidate.suffix == unit_text) {
        unit = &candidate;
      }
    }
    if (unit == nullptr) {
      return tl::make_unexpected(quote_for_message(input) + " has an unknown unit " +
                                 quote_for_message(unit_text) + " (units: ms, s, m, h, d)");
    }
    if (number.size() > 18) {
      return tl::make_unexpected(quote_for_message(input) + " is too long (at most ten years)");
    }
    total += std::stold(std::string(number)) * static_cast<long double>(unit->millis);
    if (total > static_cast<long double>(k_max_millis)) {
      return tl::make_unexpected(quote_for_message(input) + " is too long (at most ten years)");
    }
  }
  const long double rounded = static_cast<long double>(static_cast<std::int64_t>(total));
  if (rounded != total) {
    return tl::make_unexpected(quote_for_message(input) +
                               " is finer than a millisecond, the smallest step bosun uses");
  }
  return Duration(static_cast<std::int64_t>(total));
}

std::string format_duration(Duration duration) {
  std::int64_t remaining = duration.count();
  if (remaining == 0) {
    return "0s";
  }
  std::string out;
  if (remaining < 0) {
    out = "-";
    remaining = -remaining;
  }
  for (auto it = k_units.rbegin(); it != k_units.rend(); ++it) {
    const std::int64_t count = remaining / it->millis;
    if (count > 0) {
      out += std::to_string(count);
      out += it->suffix;
      remaining -= count * it->millis;
    }
  }
  return out;
}

}  // namespace bosun
