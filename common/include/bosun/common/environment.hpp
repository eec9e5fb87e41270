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

// KEY=VALUE lines; '#' comments, blank lines, "export " prefixes and surrounding quotes are
// accepted. Throws std::runtime_error with the line number of a malformed line (never its
// text: it may hold a secret).
std::map<std::string, std::string> parse_dotenv(const std::string& text);
// parse_dotenv of a file; an absent file is an empty map.
std::map<std::string, std::string> read_dotenv_file(const std::string& path);

}  // namespace bosun
