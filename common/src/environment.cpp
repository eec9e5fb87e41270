#include "bosun/common/environment.hpp"

#include <pwd.h>
#include <unistd.h>

#include <cstdlib>

extern char** environ;

namespace bosun {

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

}  // namespace bosun
