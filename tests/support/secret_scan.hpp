#pragma once
// Test support: where a secret leaked to. Every regular file under a folder that contains it,
// except the files named `allowed` (shared/.env, where secrets belong).

#include <string>
#include <vector>

namespace bosun::test {

std::vector<std::string> files_containing(const std::string& dir, const std::string& secret,
                                          const std::string& allowed = ".env");

}  // namespace bosun::test
