#pragma once
// The wire format of `bosun-agent session`, shared by the agent and the controller: a request
// is one line, a JSON array of bosun-agent arguments; a reply is the command's output lines,
// then the line session_done_line(exit code).
//
// The command's output is framed so that it can never be taken for that line: an output line
// that starts with `{"session"` or with the escape byte itself (0x1E, the record separator)
// travels with one escape byte in front, which the reader removes. A service that prints a
// done line into its log cannot end a `logs` stream early.

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace bosun {

std::string session_request_line(const std::vector<std::string>& args);
std::string session_done_line(int exit_code);
// True (with `exit_code` set) when `line` ends a reply. An escaped line never does.
bool parse_session_done(const std::string& line, int& exit_code);

inline constexpr char k_session_escape = '\x1e';
// Whether an output line starting with `start` (its first bytes, possibly fewer than the whole
// line) is escaped: nullopt while too few bytes are known to tell.
std::optional<bool> session_line_needs_escape(std::string_view start);
// An output line as the command wrote it: one leading escape byte removed.
std::string_view session_output_line(std::string_view line);

}  // namespace bosun
