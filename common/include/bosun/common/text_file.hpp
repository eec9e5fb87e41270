#pragma once
// Reading a whole (small) text file (manifests, playbooks, .env files), and writing one so that
// a reader never sees half of it.

#include <optional>
#include <string>

namespace bosun {

// The file's bytes, or nullopt when it does not exist or cannot be read.
std::optional<std::string> read_text_file(const std::string& path);

// Writes `text` beside `path`, then renames it over `path` (its folder made when missing);
// false when either failed.
bool write_text_file_atomically(const std::string& path, const std::string& text);

}  // namespace bosun
