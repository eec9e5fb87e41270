#include "secret_scan.hpp"

#include <filesystem>
#include <fstream>
#include <sstream>

namespace bosun::test {

std::vector<std::string> files_containing(const std::string& dir, const std::string& secret,
                                          const std::string& allowed) {
  std::vector<std::string> found;
  for (const auto& entry : std::filesystem::recursive_directory_iterator(dir)) {
    if (!entry.is_regular_file() || entry.path().filename() == allowed) {
      continue;
    }
    std::ifstream in(entry.path(), std::ios::binary);
    std::ostringstream text;
    text << in.rdbuf();
    if (text.str().find(secret) != std::string::npos) {
      found.push_back(entry.path().string());
    }
  }
  return found;
}

}  // namespace bosun::test
