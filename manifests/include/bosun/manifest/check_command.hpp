#pragma once
// `manifest check`, shared by `bosun manifest check` and `bosun-agent manifest check`.

#include <iosfwd>
#include <string>
#include <vector>

namespace bosun::manifest {

// Loads the manifest and prints either every diagnostic (exit 2) or a normalized summary
// (exit 0); `--json` prints the same as JSON on stdout.
int run_check_command(const std::string& command_path, const std::vector<std::string>& args,
                      std::ostream& out, std::ostream& err);

}  // namespace bosun::manifest
