// The .env grammar bosun reads and writes (environment.hpp): what `bosun setup` writes to a
// host's shared/.env must come back as it was, spaces, quotes and line breaks included.
#include <stdexcept>
#include <string_view>

#include "bosun/common/environment.hpp"
#include "bosun/common/names.hpp"
#include "bosun/common/text.hpp"
#include "bosun/common/text_file.hpp"

namespace bosun {
namespace {

[[noreturn]] void malformed(std::size_t line, const std::string& what) {
  // The line may hold a secret: name only its number.
  throw std::runtime_error(".env line " + std::to_string(line) + " " + what);
}

bool needs_quotes(const std::string& value) {
  if (value.empty()) {
    return false;
  }
  if (value.front() == ' ' || value.front() == '\t' || value.back() == ' ' ||
      value.back() == '\t') {
    return true;  // trimmed away otherwise
  }
  return value.find_first_of(" \t\r\n\"'\\#$") != std::string::npos;
}

std::string quoted(const std::string& value) {
  std::string out = "\"";
  for (const char c : value) {
    switch (c) {
      case '\\':
        out += "\\\\";
        break;
      case '"':
        out += "\\\"";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\t':
        out += "\\t";
        break;
      case '$':
        out += "\\$";
        break;
      default:
        out += c;
    }
  }
  return out + "\"";
}

// Reads one .env file, keeping count of lines for messages.
class DotenvReader {
 public:
  explicit DotenvReader(std::string_view text) : m_text(text) {}

  std::map<std::string, std::string> read() {
    std::map<std::string, std::string> values;
    while (m_at < m_text.size()) {
      const std::size_t first_line = m_line;
      std::string_view line = trim(rest_of_line());
      if (line.empty() || line.front() == '#') {
        next_line();
        continue;
      }
      if (line.starts_with("export ")) {
        line = trim(line.substr(7));
      }
      const std::size_t equals = line.find('=');
      const std::string name(trim(line.substr(0, equals)));
      if (equals == std::string_view::npos || !is_valid_env_name(name)) {
        malformed(first_line, "is not NAME=value");
      }
      // Move to the value: its quotes may run over several lines.
      m_at = static_cast<std::size_t>(line.data() - m_text.data()) + equals + 1;
      skip_blanks();
      values[name] = value(first_line);
    }
    return values;
  }

 private:
  std::string_view rest_of_line() const {
    const std::size_t end = m_text.find('\n', m_at);
    return m_text.substr(m_at, end == std::string_view::npos ? std::string_view::npos : end - m_at);
  }
  void next_line() {
    const std::size_t end = m_text.find('\n', m_at);
    m_at = end == std::string_view::npos ? m_text.size() : end + 1;
    ++m_line;
  }
  void skip_blanks() {
    while (m_at < m_text.size() && (m_text[m_at] == ' ' || m_text[m_at] == '\t')) {
      ++m_at;
    }
  }

  std::string value(std::size_t first_line) {
    if (m_at >= m_text.size() || (m_text[m_at] != '"' && m_text[m_at] != '\'')) {
      std::string plain(trim(rest_of_line()));
      next_line();
      return plain;
    }
    const char quote = m_text[m_at++];
    std::string out;
    while (true) {
      if (m_at >= m_text.size()) {
        malformed(first_line, "has a quoted value that never ends");
      }
      const char c = m_text[m_at++];
      if (c == quote) {
        break;
      }
      if (c == '\n') {
        ++m_line;
      }
      if (c == '\\' && quote == '"' && m_at < m_text.size()) {
        const char escaped = m_text[m_at++];
        switch (escaped) {
          case 'n':
            out += '\n';
            break;
          case 'r':
            out += '\r';
            break;
          case 't':
            out += '\t';
            break;
          case '\\':
          case '"':
          case '$':
            out += escaped;
            break;
          default:  // not an escape: both as written
            out += '\\';
            out += escaped;
        }
        continue;
      }
      out += c;
    }
    const std::string_view after = trim(rest_of_line());
    if (!after.empty() && after.front() != '#') {
      malformed(m_line, "has text after its closing quote");
    }
    next_line();
    return out;
  }

  std::string_view m_text;
  std::size_t m_at = 0;
  std::size_t m_line = 1;
};

}  // namespace

std::map<std::string, std::string> parse_dotenv(const std::string& text) {
  return DotenvReader(text).read();
}

std::map<std::string, std::string> read_dotenv_file(const std::string& path) {
  const auto text = read_text_file(path);
  return text ? parse_dotenv(*text) : std::map<std::string, std::string>{};
}

std::string format_dotenv(const std::map<std::string, std::string>& values) {
  std::string text;
  for (const auto& [name, value] : values) {
    text += name + "=" + (needs_quotes(value) ? quoted(value) : value) + "\n";
  }
  return text;
}

}  // namespace bosun
