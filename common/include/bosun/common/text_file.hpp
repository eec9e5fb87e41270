#pragma once
// Reading a whole (small) text file: manifests, playbooks, .env files.

#include <optional>
#include <string>

namespace bosun {

// The file's bytes, or nullopt when it does not exist or cannot be read.
std::optional<std::string> read_text_file(const std::string& path);

}  // namespace bosun
