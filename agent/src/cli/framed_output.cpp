#include "cli/framed_output.hpp"

#include "bosun/common/session_protocol.hpp"

namespace bosun::agent::cli {

void FramedOutput::put(char c) {
  if (!m_deciding) {
    m_failed |= traits_type::eq_int_type(m_target->sputc(c), traits_type::eof());
    m_deciding = c == '\n';
    m_mid_line = !m_deciding;
    return;
  }
  m_start += c;
  std::optional<bool> escape = session_line_needs_escape(m_start);
  if (!escape && c == '\n') {
    escape = false;  // ended shorter than a control line
  }
  if (!escape) {
    return;
  }
  if (*escape) {
    m_failed |= traits_type::eq_int_type(m_target->sputc(k_session_escape), traits_type::eof());
  }
  const auto size = static_cast<std::streamsize>(m_start.size());
  m_failed |= m_target->sputn(m_start.data(), size) != size;
  m_deciding = c == '\n';
  m_mid_line = !m_deciding;
  m_start.clear();
}

FramedOutput::int_type FramedOutput::overflow(int_type c) {
  if (!traits_type::eq_int_type(c, traits_type::eof())) {
    put(traits_type::to_char_type(c));
  }
  return m_failed ? traits_type::eof() : traits_type::not_eof(c);
}

std::streamsize FramedOutput::xsputn(const char* text, std::streamsize count) {
  for (std::streamsize i = 0; i < count; ++i) {
    put(text[i]);
  }
  return m_failed ? 0 : count;
}

int FramedOutput::sync() {
  return m_failed || m_target->pubsync() != 0 ? -1 : 0;
}

void FramedOutput::finish() {
  if (!m_start.empty()) {  // shorter than a control line's start: nothing to escape
    const auto size = static_cast<std::streamsize>(m_start.size());
    m_failed |= m_target->sputn(m_start.data(), size) != size;
    m_mid_line = true;
    m_start.clear();
  }
  if (m_mid_line) {
    m_target->sputc('\n');
  }
  m_deciding = true;
  m_mid_line = false;
  m_target->pubsync();
}

}  // namespace bosun::agent::cli
