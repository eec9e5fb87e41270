#pragma once
// The process environment and .env-style files (NAME=value lines), as the agent reads a
// host's shared/.env and the controller reads .bosun/secrets.

#include <map>
#include <string>

namespace bosun {

// This process's environment as NAME -> value.
std::map<std::string, std::string> process_environment();

// "$USER@hostname": who an operator is when nobody says ("unknown@host" without $USER).
std::string user_at_host();

// .env files (common/src/dotenv.cpp). NAME=value lines; '#' comments, blank lines and
// "export " prefixes are accepted. A value in double quotes may span lines and takes the
// escapes \\ \" \n \r \t \$; one in single quotes is taken as it is; an unquoted one is the
// rest of its line, trimmed. Throws std::runtime_error with the line number of a malformed
// line (never its text: it may hold a secret).
std::map<std::string, std::string> parse_dotenv(const std::string& text);
// parse_dotenv of a file; an absent file is an empty map.
std::map<std::string, std::string> read_dotenv_file(const std::string& path);
// NAME=value lines that parse_dotenv reads back as they are: a value with spaces, quotes, '#',
// '$', backslashes or line breaks is written in double quotes, escaped.
std::string format_dotenv(const std::map<std::string, std::string>& values);

}  // namespace bosun
