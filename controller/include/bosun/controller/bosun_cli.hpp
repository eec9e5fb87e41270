#pragma once
// The `bosun` command line: everything main() does, callable from tests.

#include <iosfwd>
#include <string>
#include <vector>

namespace bosun::controller {

// args excludes the program name. Returns the process exit code.
int run_bosun(const std::vector<std::string>& args, std::ostream& out, std::ostream& err);

}  // namespace bosun::controller
