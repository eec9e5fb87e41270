#include "deploy/rollback_options.hpp"

#include <sstream>

#include "bosun/common/duration.hpp"

namespace bosun::agent::deploy {

std::string encode_rollback_options(const RollbackRequest& request) {
  return "db=" + to_string(request.db) + " window=" + format_duration(request.window) +
         (request.force ? " force" : "") + (request.to.empty() ? "" : " to=" + request.to);
}

RollbackRequest decode_rollback_options(const std::string& text) {
  RollbackRequest request;
  std::istringstream words(text);
  std::string word;
  while (words >> word) {
    if (word == "force") {
      request.force = true;
    } else if (word.starts_with("db=")) {
      request.db = db_rollback_from(word.substr(3));
    } else if (word.starts_with("to=")) {
      request.to = word.substr(3);
    } else if (word.starts_with("window=")) {
      if (const auto window = parse_duration(word.substr(7))) {
        request.window = *window;
      }
    }
  }
  return request;
}

std::string to_string(DbRollback mode) {
  switch (mode) {
    case DbRollback::automatic:
      return "auto";
    case DbRollback::down:
      return "down";
    case DbRollback::restore:
      return "restore";
    case DbRollback::none:
      return "none";
  }
  return "auto";
}

DbRollback db_rollback_from(const std::string& text) {
  if (text == "down") {
    return DbRollback::down;
  }
  if (text == "restore") {
    return DbRollback::restore;
  }
  if (text == "none") {
    return DbRollback::none;
  }
  return DbRollback::automatic;
}

}  // namespace bosun::agent::deploy
