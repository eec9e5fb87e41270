#pragma once
// Normalized views of a loaded manifest: the text `bosun manifest check` prints, and JSON.

#include <string>
#include <vector>

#include "bosun/manifest/diagnostics.hpp"
#include "bosun/manifest/model.hpp"

namespace bosun::manifest {

// Human-readable summary: app, stages and hosts, services in start order with their probes.
std::string summarize(const Manifest& manifest);

// {"ok":true,"manifest":{...},"warnings":[...]} with every default filled in.
std::string to_json(const Manifest& manifest, const std::vector<Diagnostic>& diagnostics);

// {"ok":false,"errors":[{"file","line","column","path","message"}...],"warnings":[...]}
std::string diagnostics_to_json(const std::vector<Diagnostic>& diagnostics);

}  // namespace bosun::manifest
