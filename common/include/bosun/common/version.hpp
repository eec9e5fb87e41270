#pragma once
// Tool versions and the constraints manifests put on them (`redis-server: ">=7.0"`).

#include <compare>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <tl/expected.hpp>

namespace bosun {

class Version {
 public:
  // Accepts "7", "3.25.1", "v1.2.3", "1.0.0-rc1", "1.2.3+build5" (build metadata ignored).
  [[nodiscard]] static tl::expected<Version, std::string> parse(std::string_view text);
  // The first version-looking token (digits and dots, at least one dot) in a tool's output,
  // e.g. "Redis server v=7.0.15 sha=0" -> 7.0.15; nullopt when there is none.
  [[nodiscard]] static std::optional<Version> find_in(std::string_view output);

  const std::vector<std::uint64_t>& parts() const { return m_parts; }
  const std::string& prerelease() const { return m_prerelease; }
  std::string to_string() const;

  // Missing parts count as zero (7.0 == 7.0.0); a prerelease sorts before its release.
  friend std::strong_ordering operator<=>(const Version& a, const Version& b);
  friend bool operator==(const Version& a, const Version& b) { return (a <=> b) == 0; }

 private:
  std::vector<std::uint64_t> m_parts;
  std::string m_prerelease;
};

// A conjunction of clauses separated by commas or spaces: ">=3.25, <4", "^1.2", "~7.0", "7.x",
// "=12", "*". A bare version ("7.0") or "=7.0" matches every version starting with those parts.
class VersionConstraint {
 public:
  [[nodiscard]] static tl::expected<VersionConstraint, std::string> parse(std::string_view text);

  bool satisfied_by(const Version& version) const;
  const std::string& text() const { return m_text; }

 private:
  enum class Op { eq_prefix, ne, lt, le, gt, ge };
  struct Clause {
    Op op;
    Version version;
  };
  std::vector<Clause> m_clauses;  // empty: any version
  std::string m_text;
};

}  // namespace bosun
