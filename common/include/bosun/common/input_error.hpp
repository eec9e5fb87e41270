#pragma once
// An error in what the user gave (a manifest, a flag, a path): the commands exit 2 for it and 1
// for everything else. Thrown where the input is read, caught by type at the CLI edge, never
// recognised by its message.

#include <stdexcept>

namespace bosun {

class InputError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

}  // namespace bosun
