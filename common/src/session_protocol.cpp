#include "bosun/common/session_protocol.hpp"

#include <stdexcept>

namespace bosun {
namespace {

constexpr const char* k_done_prefix = R"({"session":"done","exit":)";

// A JSON string literal: the arguments are paths, names and commit ids, but a value with a
// quote, backslash or control byte must still arrive intact.
std::string json_string(const std::string& text) {
  std::string quoted = "\"";
  for (const char c : text) {
    const auto byte = static_cast<unsigned char>(c);
    if (c == '"' || c == '\\') {
      quoted += '\\';
      quoted += c;
    } else if (byte < 0x20) {
      constexpr const char* k_hex = "0123456789abcdef";
      quoted += "\\u00";
      quoted += k_hex[byte >> 4U];
      quoted += k_hex[byte & 0xFU];
    } else {
      quoted += c;
    }
  }
  return quoted + "\"";
}

}  // namespace

std::string session_request_line(const std::vector<std::string>& args) {
  std::string line = "[";
  for (const std::string& arg : args) {
    line += (line.size() > 1 ? "," : "") + json_string(arg);
  }
  return line + "]";
}

std::string session_done_line(int exit_code) {
  return k_done_prefix + std::to_string(exit_code) + "}";
}

bool parse_session_done(const std::string& line, int& exit_code) {
  const std::string prefix = k_done_prefix;
  if (!line.starts_with(prefix) || !line.ends_with("}")) {
    return false;
  }
  try {
    std::size_t used = 0;
    const std::string number = line.substr(prefix.size(), line.size() - prefix.size() - 1);
    exit_code = std::stoi(number, &used);
    return used == number.size();
  } catch (const std::exception&) {
    return false;
  }
}

}  // namespace bosun
