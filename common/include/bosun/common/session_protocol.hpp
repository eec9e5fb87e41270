#pragma once
// The wire format of `bosun-agent session`, shared by the agent and the controller: a request
// is one line, a JSON array of bosun-agent arguments; a reply is the command's output lines,
// then the line session_done_line(exit code).

#include <string>
#include <vector>

namespace bosun {

std::string session_request_line(const std::vector<std::string>& args);
std::string session_done_line(int exit_code);
// True (with `exit_code` set) when `line` ends a reply.
bool parse_session_done(const std::string& line, int& exit_code);

}  // namespace bosun
