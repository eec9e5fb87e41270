#include "bosun/common/names.hpp"

namespace bosun {
namespace {

bool is_lower_alnum(char c) {
  return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
}
bool is_alpha_or_underscore(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
}

}  // namespace

bool is_valid_name(std::string_view name) {
  if (name.empty() || name.size() > 64 || !is_lower_alnum(name.front())) {
    return false;
  }
  for (char c : name) {
    if (!is_lower_alnum(c) && c != '_' && c != '-') {
      return false;
    }
  }
  return true;
}

bool is_valid_env_name(std::string_view name) {
  if (name.empty() || name.size() > 255 || !is_alpha_or_underscore(name.front())) {
    return false;
  }
  for (char c : name) {
    if (!is_alpha_or_underscore(c) && !(c >= '0' && c <= '9')) {
      return false;
    }
  }
  return true;
}

}  // namespace bosun
