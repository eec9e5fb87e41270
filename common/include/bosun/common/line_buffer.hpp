#pragma once
// Lines of a stream read in chunks (a session's requests), with each byte scanned for its
// newline once, however the chunks fall, and a cap on a line's length: a peer that never
// sends a newline cannot make the reader hold or rescan an unbounded buffer.

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace bosun {

class LineBuffer {
 public:
  explicit LineBuffer(std::size_t max_line) : m_max_line(max_line) {}

  void append(std::string_view chunk) { m_data.append(chunk); }
  // The next complete line, without its newline; nullopt when there is none yet (or the
  // partial line passed the cap: see overflowed()).
  std::optional<std::string> next_line();
  // The partial line is longer than the cap: the stream is to be ended.
  bool overflowed() const { return m_overflowed; }
  std::size_t max_line() const { return m_max_line; }

 private:
  std::size_t m_max_line;
  std::string m_data;
  std::size_t m_start = 0;    // where the unread text begins
  std::size_t m_scanned = 0;  // bytes before this were looked at already
  bool m_overflowed = false;
};

}  // namespace bosun
