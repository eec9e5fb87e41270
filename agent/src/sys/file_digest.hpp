#pragma once
// The sha256 of a file's content, streamed (backups can be large).

#include <cstdint>
#include <string>

namespace bosun::agent::sys {

struct FileDigest {
  std::uint64_t bytes = 0;
  std::string sha256;  // lowercase hex
};

// Throws std::runtime_error naming the file when it cannot be read.
FileDigest digest_file(const std::string& path);

}  // namespace bosun::agent::sys
