#include "bosun/common/version.hpp"

#include <algorithm>
#include <cctype>
#include <limits>

#include "bosun/common/text.hpp"

namespace bosun {
namespace {

bool is_digit(char c) {
  return c >= '0' && c <= '9';
}

// Reads dotted decimal parts from the front of `text`; stops at the first other character.
// Returns false when a part is empty or too large.
bool read_parts(std::string_view& text, std::vector<std::uint64_t>& parts) {
  while (true) {
    std::uint64_t value = 0;
    std::size_t digits = 0;
    while (digits < text.size() && is_digit(text[digits])) {
      if (value > (std::numeric_limits<std::uint64_t>::max() - 9) / 10) {
        return false;
      }
      value = value * 10 + static_cast<std::uint64_t>(text[digits] - '0');
      ++digits;
    }
    if (digits == 0) {
      return false;
    }
    parts.push_back(value);
    text.remove_prefix(digits);
    if (text.size() >= 2 && text[0] == '.' && is_digit(text[1])) {
      text.remove_prefix(1);
      continue;
    }
    return true;
  }
}

}  // namespace

tl::expected<Version, std::string> Version::parse(std::string_view text) {
  std::string_view rest = trim(text);
  const std::string original(rest);
  if (!rest.empty() && (rest.front() == 'v' || rest.front() == 'V')) {
    rest.remove_prefix(1);
  }
  Version version;
  if (!read_parts(rest, version.m_parts)) {
    return tl::make_unexpected(quote_for_message(original) +
                               " is not a version; write e.g. \"7.0\" or \"3.25.1\"");
  }
  if (!rest.empty() && rest.front() == '-') {
    rest.remove_prefix(1);
    const std::size_t end = rest.find('+');
    version.m_prerelease = std::string(rest.substr(0, end));
    rest = end == std::string_view::npos ? std::string_view{} : rest.substr(end);
    const bool valid =
        !version.m_prerelease.empty() &&
        std::all_of(version.m_prerelease.begin(), version.m_prerelease.end(), [](char c) {
          return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '.' || c == '-';
        });
    if (!valid) {
      return tl::make_unexpected(quote_for_message(original) + " has an invalid pre-release tag");
    }
  }
  if (!rest.empty() && rest.front() == '+') {
    rest = {};  // build metadata does not take part in comparisons
  }
  if (!rest.empty()) {
    return tl::make_unexpected(quote_for_message(original) + " is not a version; unexpected " +
                               quote_for_message(rest));
  }
  return version;
}

std::optional<Version> Version::find_in(std::string_view output) {
  // The MySQL and MariaDB clients print their own protocol version first: "mysql  Ver 15.1
  // Distrib 10.11.6-MariaDB" (10.x) or "mariadb from 11.4.2-MariaDB, client 15.2" (11.x). The
  // server release they belong to is the one that follows.
  for (const std::string_view marker : {std::string_view("Distrib "), std::string_view(" from ")}) {
    if (const std::size_t at = output.find(marker); at != std::string_view::npos) {
      const std::string_view after = output.substr(at + marker.size());
      if (!after.empty() && is_digit(after.front())) {
        if (auto version = find_in(after.substr(0, after.find_first_of(" ,\n")))) {
          return version;
        }
      }
    }
  }
  for (std::size_t i = 0; i < output.size(); ++i) {
    if (!is_digit(output[i]) || (i > 0 && (is_digit(output[i - 1]) || output[i - 1] == '.'))) {
      continue;
    }
    std::string_view rest = output.substr(i);
    Version version;
    if (read_parts(rest, version.m_parts) && version.m_parts.size() >= 2) {
      return version;
    }
  }
  return std::nullopt;
}

std::string Version::to_string() const {
  std::string out;
  for (std::size_t i = 0; i < m_parts.size(); ++i) {
    if (i > 0) {
      out += '.';
    }
    out += std::to_string(m_parts[i]);
  }
  if (!m_prerelease.empty()) {
    out += '-';
    out += m_prerelease;
  }
  return out;
}

std::strong_ordering operator<=>(const Version& a, const Version& b) {
  const std::size_t n = std::max(a.m_parts.size(), b.m_parts.size());
  for (std::size_t i = 0; i < n; ++i) {
    const std::uint64_t x = i < a.m_parts.size() ? a.m_parts[i] : 0;
    const std::uint64_t y = i < b.m_parts.size() ? b.m_parts[i] : 0;
    if (x != y) {
      return x <=> y;
    }
  }
  if (a.m_prerelease.empty() != b.m_prerelease.empty()) {
    return a.m_prerelease.empty() ? std::strong_ordering::greater : std::strong_ordering::less;
  }
  return a.m_prerelease <=> b.m_prerelease;
}

namespace {

// The exclusive upper bound of ^V (caret) or ~V: ^1.2.3 is >=1.2.3 <2 (for 0.x: <0.(x+1));
// ~1.2.3 is >=1.2.3 <1.3; ~1 is >=1 <2.
Version range_end(bool caret, const Version& version) {
  std::vector<std::uint64_t> upper_parts = version.parts();
  std::size_t bump_index = 0;
  if (caret) {
    while (bump_index + 1 < upper_parts.size() && upper_parts[bump_index] == 0) {
      ++bump_index;
    }
  } else {
    bump_index = upper_parts.size() >= 2 ? 1 : 0;
  }
  upper_parts.resize(bump_index + 1);
  ++upper_parts[bump_index];
  std::string upper_text;
  for (std::size_t i = 0; i < upper_parts.size(); ++i) {
    upper_text += (i > 0 ? "." : "") + std::to_string(upper_parts[i]);
  }
  // "-0" makes the bound exclude prereleases of the next version too.
  return *Version::parse(upper_text + "-0");
}

}  // namespace

tl::expected<VersionConstraint, std::string> VersionConstraint::parse(std::string_view text) {
  VersionConstraint constraint;
  constraint.m_text = std::string(trim(text));
  std::string_view rest = constraint.m_text;
  if (rest.empty()) {
    return tl::make_unexpected(std::string("is empty; write e.g. \">=7.0\" or \"*\" for any"));
  }
  const auto fail = [&](const std::string& why) {
    return tl::make_unexpected(quote_for_message(constraint.m_text) + " is not a version " +
                               "constraint: " + why);
  };
  while (true) {
    while (!rest.empty() && (rest.front() == ' ' || rest.front() == ',')) {
      rest.remove_prefix(1);
    }
    if (rest.empty()) {
      break;
    }
    const std::size_t end = rest.find_first_of(" ,");
    std::string_view token = rest.substr(0, end);
    rest = end == std::string_view::npos ? std::string_view{} : rest.substr(end);
    if (token == "*" || token == "any") {
      continue;
    }
    std::string op_text;
    while (!token.empty() &&
           std::string_view("<>=!^~").find(token.front()) != std::string_view::npos) {
      op_text += token.front();
      token.remove_prefix(1);
    }
    if (token.empty()) {
      // The operator and its version may be separated by a space: ">= 7.0".
      while (!rest.empty() && rest.front() == ' ') {
        rest.remove_prefix(1);
      }
      const std::size_t next_end = rest.find_first_of(" ,");
      token = rest.substr(0, next_end);
      rest = next_end == std::string_view::npos ? std::string_view{} : rest.substr(next_end);
      if (token.empty()) {
        return fail("expected a version after \"" + op_text + "\"");
      }
    }
    // "7.x" and "7.*" mean "any 7": a prefix match.
    bool wildcard = false;
    if (token.size() >= 2 &&
        (token.ends_with(".x") || token.ends_with(".*") || token.ends_with(".X"))) {
      token.remove_suffix(2);
      wildcard = true;
    }
    auto version = Version::parse(token);
    if (!version) {
      return fail("\"" + std::string(token) + "\" is not a version");
    }
    if (wildcard && !(op_text.empty() || op_text == "=")) {
      return fail("a wildcard version only goes with \"=\" or no operator");
    }
    if (op_text.empty() || op_text == "=" || op_text == "==") {
      constraint.m_clauses.push_back({Op::eq_prefix, *version});
    } else if (op_text == "!=") {
      constraint.m_clauses.push_back({Op::ne, *version});
    } else if (op_text == "<") {
      constraint.m_clauses.push_back({Op::lt, *version});
    } else if (op_text == "<=") {
      constraint.m_clauses.push_back({Op::le, *version});
    } else if (op_text == ">") {
      constraint.m_clauses.push_back({Op::gt, *version});
    } else if (op_text == ">=") {
      constraint.m_clauses.push_back({Op::ge, *version});
    } else if (op_text == "^" || op_text == "~") {
      constraint.m_clauses.push_back({Op::ge, *version});
      constraint.m_clauses.push_back({Op::lt, range_end(op_text == "^", *version)});
    } else {
      return fail("unknown operator \"" + op_text + "\" (use >=, >, <=, <, =, !=, ^ or ~)");
    }
  }
  return constraint;
}

bool VersionConstraint::satisfied_by(const Version& version) const {
  for (const Clause& clause : m_clauses) {
    bool ok = false;
    switch (clause.op) {
      case Op::eq_prefix: {
        const auto& want = clause.version.parts();
        const auto& have = version.parts();
        ok = true;
        for (std::size_t i = 0; i < want.size(); ++i) {
          const std::uint64_t part = i < have.size() ? have[i] : 0;
          ok = ok && part == want[i];
        }
        if (!clause.version.prerelease().empty()) {
          ok = ok && version.prerelease() == clause.version.prerelease();
        }
        break;
      }
      case Op::ne:
        ok = version != clause.version;
        break;
      case Op::lt:
        ok = version < clause.version;
        break;
      case Op::le:
        ok = version <= clause.version;
        break;
      case Op::gt:
        ok = version > clause.version;
        break;
      case Op::ge:
        ok = version >= clause.version;
        break;
    }
    if (!ok) {
      return false;
    }
  }
  return true;
}

}  // namespace bosun
