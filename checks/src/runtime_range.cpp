// npm's and PEP 440's version ranges, translated into bosun's own constraints: npm's "||"
// gives alternatives and "A - B" a closed range; PEP 440's "~=X.Y" a compatible release and
// "==X.Y.*" a prefix.
#include <string>

#include "bosun/checks/app_requirements.hpp"
#include "bosun/common/text.hpp"

namespace bosun::checks {

namespace {

std::vector<std::string> split_on(std::string_view text, std::string_view separator) {
  std::vector<std::string> parts;
  while (true) {
    const std::size_t at = text.find(separator);
    parts.emplace_back(trim(text.substr(0, at)));
    if (at == std::string_view::npos) {
      return parts;
    }
    text.remove_prefix(at + separator.size());
  }
}

// "~=3.11" -> ">=3.11, <4"; "~=3.11.2" -> ">=3.11.2, <3.12".
tl::expected<std::string, std::string> compatible_release(std::string_view version) {
  const auto parsed = Version::parse(version);
  if (!parsed || parsed->parts().size() < 2) {
    return tl::make_unexpected("~=" + std::string(version) + " needs at least two parts");
  }
  std::vector<std::uint64_t> upper(parsed->parts().begin(), parsed->parts().end() - 1);
  upper.back() += 1;
  std::string bound;
  for (const std::uint64_t part : upper) {
    bound += (bound.empty() ? "" : ".") + std::to_string(part);
  }
  return ">=" + std::string(version) + ", <" + bound;
}

tl::expected<std::string, std::string> pep440_clause(std::string clause) {
  if (clause.starts_with("~=")) {
    return compatible_release(trim(std::string_view(clause).substr(2)));
  }
  if (clause.starts_with("===")) {
    clause = "=" + clause.substr(3);
  } else if (clause.starts_with("==")) {
    clause = "=" + clause.substr(2);
  }
  if (clause.ends_with(".*")) {
    clause.resize(clause.size() - 2);  // "=3.12.*": a prefix, which "=3.12" already is
  }
  return clause;
}

}  // namespace

tl::expected<RuntimeRange, std::string> RuntimeRange::parse_npm(std::string_view text) {
  RuntimeRange range;
  range.m_text = std::string(trim(text));
  for (std::string alternative : split_on(range.m_text, "||")) {
    if (const std::size_t dash = alternative.find(" - "); dash != std::string::npos) {
      alternative = ">=" + alternative.substr(0, dash) + " <=" + alternative.substr(dash + 3);
    }
    auto constraint = VersionConstraint::parse(alternative.empty() ? "*" : alternative);
    if (!constraint) {
      return tl::make_unexpected(constraint.error());
    }
    range.m_alternatives.push_back(std::move(*constraint));
  }
  return range;
}

tl::expected<RuntimeRange, std::string> RuntimeRange::parse_pep440(std::string_view text) {
  RuntimeRange range;
  range.m_text = std::string(trim(text));
  std::string clauses;
  for (const std::string& clause : split_on(range.m_text, ",")) {
    auto translated = pep440_clause(clause);
    if (!translated) {
      return tl::make_unexpected(translated.error());
    }
    clauses += (clauses.empty() ? "" : ", ") + *translated;
  }
  auto constraint = VersionConstraint::parse(clauses.empty() ? "*" : clauses);
  if (!constraint) {
    return tl::make_unexpected(constraint.error());
  }
  range.m_alternatives.push_back(std::move(*constraint));
  return range;
}

bool RuntimeRange::satisfied_by(const Version& version) const {
  for (const VersionConstraint& alternative : m_alternatives) {
    if (alternative.satisfied_by(version)) {
      return true;
    }
  }
  return false;
}

}  // namespace bosun::checks
