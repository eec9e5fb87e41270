#pragma once
// The two descriptor chores bosun does in many places: writing a whole buffer (retrying short
// writes and EINTR) and making a close-on-exec pipe.

#include <string_view>
#include <utility>

#include "bosun/common/unique_fd.hpp"

namespace bosun {

// True when every byte was written; false at the first error (errno says which).
bool write_all(int fd, std::string_view bytes);

// {read end, write end}, both close-on-exec. Throws std::runtime_error when it cannot.
std::pair<UniqueFd, UniqueFd> cloexec_pipe();

}  // namespace bosun
