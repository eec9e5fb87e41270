#include "bosun/common/environment.hpp"

#include <pwd.h>
#include <unistd.h>

#include <cstdlib>
#include <stdexcept>

#include "bosun/common/names.hpp"
#include "bosun/common/text.hpp"
#include "bosun/common/text_file.hpp"

extern char** environ;

namespace bosun {
namespace {

std::string unquote(std::string_view value) {
  if (value.size() >= 2 && (value.front() == '"' || value.front() == '\'') &&
      value.back() == value.front()) {
    return std::string(value.substr(1, value.size() - 2));
  }
  return std::string(value);
}

}  // namespace

std::map<std::string, std::string> process_environment() {
  std::map<std::string, std::string> env;
  for (char** entry = environ; *entry != nullptr; ++entry) {
    const std::string text = *entry;
    const std::size_t equals = text.find('=');
    if (equals != std::string::npos) {
      env[text.substr(0, equals)] = text.substr(equals + 1);
    }
  }
  return env;
}

std::string user_at_host() {
  std::string user = std::getenv("USER") != nullptr ? std::getenv("USER") : "";
  if (user.empty()) {
    // cron, CI runners and `env -i` leave USER unset: the account itself still has a name.
    const passwd* account = ::getpwuid(::getuid());
    user = account != nullptr ? account->pw_name : "unknown";
  }
  char host[256] = {};
  ::gethostname(host, sizeof host - 1);
  return user + "@" + host;
}

std::map<std::string, std::string> read_dotenv_file(const std::string& path) {
  const auto text = read_text_file(path);
  return text ? parse_dotenv(*text) : std::map<std::string, std::string>{};
}

std::map<std::string, std::string> parse_dotenv(const std::string& text) {
  std::map<std::string, std::string> values;
  std::size_t line_number = 0;
  std::size_t start = 0;
  while (start < text.size()) {
    const std::size_t end = text.find('\n', start);
    std::string_view line = trim(std::string_view(text).substr(
        start, end == std::string::npos ? std::string::npos : end - start));
    start = end == std::string::npos ? text.size() : end + 1;
    ++line_number;
    if (line.empty() || line.front() == '#') {
      continue;
    }
    if (line.starts_with("export ")) {
      line = trim(line.substr(7));
    }
    const std::size_t equals = line.find('=');
    const std::string name(trim(line.substr(0, equals)));
    if (equals == std::string_view::npos || !is_valid_env_name(name)) {
      // The line may hold a secret: name only its number.
      throw std::runtime_error(".env line " + std::to_string(line_number) + " is not NAME=value");
    }
    values[name] = unquote(trim(line.substr(equals + 1)));
  }
  return values;
}

}  // namespace bosun
