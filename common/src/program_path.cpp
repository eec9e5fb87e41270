#include "bosun/common/program_path.hpp"

#include <unistd.h>

#include <string_view>

namespace bosun {

std::string find_program(const std::string& name, const std::string& path_list) {
  if (name.empty() || name.find('/') != std::string::npos) {
    return name;
  }
  const std::string_view dirs = path_list;
  std::size_t start = 0;
  while (start <= dirs.size()) {
    const std::size_t colon = dirs.find(':', start);
    const std::string_view dir = dirs.substr(
        start, colon == std::string_view::npos ? std::string_view::npos : colon - start);
    // An empty PATH entry means the current directory. (Appended piece by piece: GCC 12
    // misreports the usual `dir + "/" + name` under -O2 as -Wrestrict.)
    std::string candidate(dir.empty() ? std::string_view(".") : dir);
    candidate.push_back('/');
    candidate.append(name);
    if (::access(candidate.c_str(), X_OK) == 0) {
      return candidate;
    }
    if (colon == std::string_view::npos) {
      break;
    }
    start = colon + 1;
  }
  return name;
}

}  // namespace bosun
