#pragma once
// ${name} variables in manifest strings. They are checked at load time (unknown names are
// errors) but expanded only on each host, where their values are known.

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include <tl/expected.hpp>

namespace bosun::manifest {

// host, root, shared, release, app, stage, version (migrate.down only), pid (probes only:
// the instance being probed, so that an overlap start probes the new instance).
const std::vector<std::string>& known_variables();

struct VariableUse {
  std::string name;
  std::size_t offset;  // of the '$'
};

// The ${...} uses in `text`; an unterminated "${" or an empty name is an error. "$$" is a
// literal "$".
tl::expected<std::vector<VariableUse>, std::string> find_variables(std::string_view text);

// Replaces every ${name} with its value; a name without a value is an error.
tl::expected<std::string, std::string> expand_variables(
    std::string_view text, const std::map<std::string, std::string>& values);

}  // namespace bosun::manifest
