#pragma once
// The one way a manifest command or check becomes what runs on a host: every ${name} replaced
// by this host's value and the `sh:` form turned into /bin/sh -c. Services, deploy steps,
// hooks, probes and smoke checks all go through it. A variable without a value is an error
// naming the variable and the text (the loader refused unknown names already, so one means a
// value is missing where the command runs).

#include <map>
#include <string>
#include <vector>

#include <tl/expected.hpp>

#include "bosun/manifest/model.hpp"

namespace bosun::manifest {

using Values = std::map<std::string, std::string>;

tl::expected<std::vector<std::string>, std::string> expand_command(const Command& command,
                                                                   const Values& values);

// A check with its ${...} expanded: the http url, the sqlite path, the exec command (which
// becomes an argv: its `sh:` form is expanded to /bin/sh -c).
tl::expected<CheckSpec, std::string> expand_check(CheckSpec spec, const Values& values);

}  // namespace bosun::manifest
