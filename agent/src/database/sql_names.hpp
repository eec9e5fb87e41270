#pragma once
// Names and strings written into SQL that bosun builds itself (restores, first starts):
// quoted, their quote characters doubled, so a name or password is never read as SQL.

#include <string>

namespace bosun::agent::database {

// `quote` around `text`, each `quote` in it doubled (and, for MySQL strings, each backslash).
inline std::string quoted_sql(const std::string& text, char quote, bool escape_backslash = false) {
  std::string out(1, quote);
  for (char c : text) {
    if (c == quote || (escape_backslash && c == '\\')) {
      out += c;
    }
    out += c;
  }
  return out + quote;
}

inline std::string postgres_name(const std::string& name) {
  return quoted_sql(name, '"');
}
inline std::string mysql_name(const std::string& name) {
  return quoted_sql(name, '`');
}
// A MySQL string literal ('it''s', backslashes doubled: MySQL reads them as escapes).
inline std::string mysql_string(const std::string& text) {
  return quoted_sql(text, '\'', true);
}

}  // namespace bosun::agent::database
