#include "bosun/common/byte_size.hpp"

#include <array>
#include <cctype>
#include <cmath>
#include <limits>

#include "bosun/common/text.hpp"

namespace bosun {
namespace {

struct SizeUnit {
  std::string_view name;  // lower case
  long double factor;
};

constexpr long double k_kib = 1024.0L;
constexpr long double k_kb = 1000.0L;

constexpr std::array<SizeUnit, 13> k_size_units{{
    {"b", 1.0L},
    {"kb", k_kb},
    {"mb", k_kb* k_kb},
    {"gb", k_kb* k_kb* k_kb},
    {"tb", k_kb* k_kb* k_kb* k_kb},
    {"kib", k_kib},
    {"mib", k_kib* k_kib},
    {"gib", k_kib* k_kib* k_kib},
    {"tib", k_kib* k_kib* k_kib* k_kib},
    {"k", k_kib},
    {"m", k_kib* k_kib},
    {"g", k_kib* k_kib* k_kib},
    {"t", k_kib* k_kib* k_kib* k_kib},
}};

std::string to_lower(std::string_view text) {
  std::string out(text);
  for (char& c : out) {
    c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  }
  return out;
}

}  // namespace

tl::expected<std::uint64_t, std::string> parse_byte_size(std::string_view text) {
  const std::string_view input = trim(text);
  if (input.empty()) {
    return tl::make_unexpected("is empty; write a size such as \"512MiB\" or \"1GiB\"");
  }
  std::size_t pos = 0;
  std::size_t dots = 0;
  while (pos < input.size() &&
         (std::isdigit(static_cast<unsigned char>(input[pos])) != 0 || input[pos] == '.')) {
    dots += input[pos] == '.' ? 1U : 0U;
    ++pos;
  }
  const std::string_view number = input.substr(0, pos);
  if (number.empty() || dots > 1 || number == "." || number.size() > 18) {
    return tl::make_unexpected(quote_for_message(input) +
                               " is not a size; write e.g. \"512MiB\", \"1GiB\" or \"10MB\"");
  }
  const std::string unit_text = to_lower(trim(input.substr(pos)));
  if (unit_text.empty()) {
    return tl::make_unexpected(quote_for_message(input) + " needs a unit, e.g. \"" +
                               std::string(number) + "MiB\" (units: B, KB, MB, GB, KiB, MiB, GiB)");
  }
  for (const SizeUnit& unit : k_size_units) {
    if (unit.name == unit_text) {
      const long double bytes = std::stold(std::string(number)) * unit.factor;
      if (bytes > static_cast<long double>(std::numeric_limits<std::int64_t>::max())) {
        return tl::make_unexpected(quote_for_message(input) + " is too large");
      }
      return static_cast<std::uint64_t>(std::llround(bytes));
    }
  }
  return tl::make_unexpected(quote_for_message(input) + " has an unknown unit " +
                             quote_for_message(input.substr(pos)) +
                             " (units: B, KB, MB, GB, TB, KiB, MiB, GiB, TiB)");
}

std::string format_byte_size(std::uint64_t bytes) {
  constexpr std::array<std::string_view, 5> names{"B", "KiB", "MiB", "GiB", "TiB"};
  std::size_t index = 0;
  std::uint64_t whole = bytes;
  while (index + 1 < names.size() && whole >= 1024 && whole % 1024 == 0) {
    whole /= 1024;
    ++index;
  }
  if (whole < 1024 || index + 1 == names.size()) {
    return std::to_string(whole) + std::string(names[index]);
  }
  // Not an exact multiple: show one decimal in the largest unit that keeps the value >= 1.
  long double value = static_cast<long double>(bytes);
  index = 0;
  while (index + 1 < names.size() && value >= 1024.0L) {
    value /= 1024.0L;
    ++index;
  }
  const long double tenths = std::round(value * 10.0L);
  const auto integral = static_cast<std::uint64_t>(tenths / 10.0L);
  const auto fraction = static_cast<std::uint64_t>(tenths) % 10;
  return std::to_string(integral) + "." + std::to_string(fraction) + std::string(names[index]);
}

}  // namespace bosun
