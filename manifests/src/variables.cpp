#include "bosun/manifest/variables.hpp"

namespace bosun::manifest {

const std::vector<std::string>& known_variables() {
  static const std::vector<std::string> names{"host",  "root",    "shared", "release",   "app",
                                              "stage", "version", "pid",    "listen_fd", "port"};
  return names;
}

tl::expected<std::vector<VariableUse>, std::string> find_variables(std::string_view text) {
  std::vector<VariableUse> uses;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] != '$' || i + 1 >= text.size()) {
      continue;
    }
    if (text[i + 1] == '$') {
      ++i;  // "$$" is a literal dollar
      continue;
    }
    if (text[i + 1] != '{') {
      continue;
    }
    const std::size_t close = text.find('}', i + 2);
    if (close == std::string_view::npos) {
      return tl::make_unexpected("unterminated \"${\" (write \"$$\" for a literal \"$\")");
    }
    const std::string_view name = text.substr(i + 2, close - i - 2);
    if (name.empty()) {
      return tl::make_unexpected(std::string("empty variable name \"${}\""));
    }
    uses.push_back({std::string(name), i});
    i = close;
  }
  return uses;
}

tl::expected<std::string, std::string> expand_variables(
    std::string_view text, const std::map<std::string, std::string>& values) {
  std::string out;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '$' && i + 1 < text.size() && text[i + 1] == '$') {
      out += '$';
      ++i;
      continue;
    }
    if (text[i] == '$' && i + 1 < text.size() && text[i + 1] == '{') {
      const std::size_t close = text.find('}', i + 2);
      if (close == std::string_view::npos) {
        return tl::make_unexpected("unterminated \"${\"");
      }
      const std::string name(text.substr(i + 2, close - i - 2));
      const auto found = values.find(name);
      if (found == values.end()) {
        return tl::make_unexpected("no value for ${" + name + "} here");
      }
      out += found->second;
      i = close;
      continue;
    }
    out += text[i];
  }
  return out;
}

}  // namespace bosun::manifest
