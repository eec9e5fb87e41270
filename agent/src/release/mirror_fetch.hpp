#pragma once
// The fetch itself, with libgit2: the bare mirror at MIRROR created or updated from the
// repository (every ref, pruned), the server checked (release/fetch_trust.hpp) and the
// credentials offered once each. It runs in a child process (release/fetch_process.hpp),
// since libgit2 cannot cancel a read that blocks.

#include <filesystem>
#include <functional>
#include <string>

#include "release/release_types.hpp"

namespace bosun::agent::release {

// `progressed` is called whenever the transfer moves (objects, bytes, the server's messages).
// Throws std::runtime_error with libgit2's message on failure.
void fetch_into_mirror(const std::filesystem::path& mirror, const std::string& repository,
                       const FetchCredentials& credentials,
                       const std::function<void()>& progressed);

}  // namespace bosun::agent::release
