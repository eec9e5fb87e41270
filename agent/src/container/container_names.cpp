#include "container/container_names.hpp"

#include <cctype>

namespace bosun::agent::container {

std::string service_prefix(const std::string& app, const std::string& service) {
  std::string prefix = "bosun-" + app + "-" + service;
  for (char& c : prefix) {
    c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  }
  return prefix;
}

std::string built_image(const std::string& app, const std::string& service,
                        const std::string& release_id) {
  return service_prefix(app, service) + ":" + release_id;
}

std::string container_name(const std::string& prefix, pid_t pid) {
  return prefix + "-" + std::to_string(pid);
}

}  // namespace bosun::agent::container
