#pragma once
// libgit2 handles freed at scope end, and the one way bosun turns a libgit2 failure into an
// error: "WHAT: libgit2's last message".

#include <git2.h>

#include <stdexcept>
#include <string>

namespace bosun::agent::release {

template <typename T, void (*Free)(T*)>
struct Git {
  T* ptr = nullptr;
  Git() = default;
  Git(const Git&) = delete;
  Git& operator=(const Git&) = delete;
  ~Git() {
    if (ptr != nullptr) {
      Free(ptr);
    }
  }
};

using Repository = Git<git_repository, git_repository_free>;
using Remote = Git<git_remote, git_remote_free>;
using Object = Git<git_object, git_object_free>;

[[noreturn]] inline void fail(const std::string& what) {
  const git_error* error = git_error_last();
  throw std::runtime_error(
      what + ": " +
      (error != nullptr && error->message != nullptr ? error->message : "unknown error"));
}

}  // namespace bosun::agent::release
