#include "bosun/common/session_protocol.hpp"

#include <algorithm>
#include <stdexcept>

namespace bosun {
namespace {

constexpr const char* k_done_prefix = R"({"session":"done","exit":)";
// Output lines starting with this are escaped: more than the done line, so that a future
// control line of the protocol is covered too.
constexpr std::string_view k_control_prefix = R"({"session")";

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

std::optional<bool> session_line_needs_escape(std::string_view start) {
  if (!start.empty() && start.front() == k_session_escape) {
    return true;
  }
  const std::size_t known = std::min(start.size(), k_control_prefix.size());
  if (start.substr(0, known) != k_control_prefix.substr(0, known)) {
    return false;
  }
  return known == k_control_prefix.size() ? std::optional<bool>(true) : std::nullopt;
}

std::string_view session_output_line(std::string_view line) {
  return !line.empty() && line.front() == k_session_escape ? line.substr(1) : line;
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
