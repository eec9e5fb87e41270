#pragma once
// The output of one session request, framed as bosun/common/session_protocol.hpp says: written
// through to the session's stream, with the escape byte in front of a line that could be taken
// for a control line. A line's first bytes are held back only while they could still be the
// start of one (at most the length of `{"session"`).

#include <streambuf>
#include <string>

namespace bosun::agent::cli {

class FramedOutput final : public std::streambuf {
 public:
  explicit FramedOutput(std::streambuf* target) : m_target(target) {}
  // The end of the command's output: what is held goes out, and a last line without its
  // newline gets one, so that the done line starts a line of its own.
  void finish();

 protected:
  int_type overflow(int_type c) override;
  std::streamsize xsputn(const char* text, std::streamsize count) override;
  int sync() override;

 private:
  void put(char c);

  std::streambuf* m_target;
  std::string m_start;      // the current line's first bytes, while undecided
  bool m_deciding = true;   // at the start of a line, before its escape is decided
  bool m_mid_line = false;  // part of the current line went out
  bool m_failed = false;    // the session's stream refused a write (the peer is gone)
};

}  // namespace bosun::agent::cli
