#pragma once
// Reading a whole (small) text file (manifests, playbooks, .env files), and writing one so that
// a reader never sees half of it.

#include <optional>
#include <string>

namespace bosun {

// The file's bytes, or nullopt when it does not exist or cannot be read.
std::optional<std::string> read_text_file(const std::string& path);

// Writes `text` beside `path`, then renames it over `path` (its folder made when missing);
// false when either failed. Durable: the file is fsync'ed before the rename and its folder
// after, so that after a power cut the path holds the old text or the new, never a torn one,
// and a rename that was reported done is not undone.
bool write_text_file_atomically(const std::string& path, const std::string& text);

// fsync of a file or a folder (a folder's fsync makes the renames and links in it durable).
// False when it cannot be opened or synced.
bool sync_path(const std::string& path);

}  // namespace bosun
