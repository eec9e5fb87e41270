#include "sys/reuseport_order.hpp"

#include <algorithm>

namespace bosun::agent::sys {

void ReuseportOrder::joined(unsigned long inode) {
  if (!index_of(inode)) {
    m_members.push_back(inode);
  }
}

void ReuseportOrder::left(unsigned long inode) {
  const auto index = index_of(inode);
  if (!index) {
    return;
  }
  m_members[*index] = m_members.back();
  m_members.pop_back();
}

std::optional<std::size_t> ReuseportOrder::index_of(unsigned long inode) const {
  const auto it = std::find(m_members.begin(), m_members.end(), inode);
  if (it == m_members.end()) {
    return std::nullopt;
  }
  return static_cast<std::size_t>(it - m_members.begin());
}

bool ReuseportOrder::reconcile(const std::set<unsigned long>& listening) {
  std::vector<unsigned long> gone;
  for (const unsigned long inode : m_members) {
    if (!listening.contains(inode)) {
      gone.push_back(inode);
    }
  }
  for (const unsigned long inode : gone) {
    left(inode);
  }
  const bool all_known = std::all_of(listening.begin(), listening.end(), [&](unsigned long inode) {
    return index_of(inode).has_value();
  });
  return all_known && gone.size() <= 1;
}

}  // namespace bosun::agent::sys
