#pragma once
// Loads app.yaml into the typed model, reporting every problem at once.

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "bosun/manifest/diagnostics.hpp"
#include "bosun/manifest/model.hpp"

namespace bosun::manifest {

struct LoadResult {
  std::optional<Manifest> manifest;     // set only when there is no error
  std::vector<Diagnostic> diagnostics;  // errors and warnings, sorted by position

  bool ok() const { return manifest.has_value(); }
};

// Largest manifest accepted; anything bigger is certainly not a hand-written app.yaml.
inline constexpr std::size_t k_max_manifest_bytes = 1024 * 1024;

// Parses manifest text; `file_name` is used in messages only. Never throws on bad input.
LoadResult parse_manifest(std::string_view yaml_text, const std::string& file_name);

// Reads and parses a file; a missing or unreadable file is reported as a diagnostic.
LoadResult load_manifest_file(const std::string& path);

// A variable name that usually holds a secret (…PASSWORD, …TOKEN, …SECRET…): a value written
// for it in the manifest is warned about, and `bosun init --from` moves it to .bosun/secrets.
bool looks_like_secret_name(const std::string& name);

}  // namespace bosun::manifest
