#include "bosun/common/line_buffer.hpp"

namespace bosun {

std::optional<std::string> LineBuffer::next_line() {
  const std::size_t from = m_scanned > m_start ? m_scanned : m_start;
  const std::size_t end = m_data.find('\n', from);
  if (end == std::string::npos) {
    m_scanned = m_data.size();
    m_overflowed = m_data.size() - m_start > m_max_line;
    return std::nullopt;
  }
  std::string line = m_data.substr(m_start, end - m_start);
  m_start = end + 1;
  m_scanned = m_start;
  if (m_start > 4096 && m_start * 2 > m_data.size()) {  // drop what was read, now and then
    m_data.erase(0, m_start);
    m_scanned -= m_start;
    m_start = 0;
  }
  if (line.size() > m_max_line) {
    m_overflowed = true;
    return std::nullopt;
  }
  return line;
}

}  // namespace bosun
