#pragma once
// The order of the sockets in one SO_REUSEPORT group, as the kernel keeps it
// (net/core/sock_reuseport.c): a socket joins at the end when it calls listen(); one that
// closes is replaced at its index by the last. A program attached with
// SO_ATTACH_REUSEPORT_CBPF picks a socket by that index, so the agent keeps this model to
// steer new connections to one instance's socket. Pure: sockets are named by their inode.

#include <cstddef>
#include <optional>
#include <set>
#include <vector>

namespace bosun::agent::sys {

class ReuseportOrder {
 public:
  ReuseportOrder() = default;
  explicit ReuseportOrder(std::vector<unsigned long> members) : m_members(std::move(members)) {}

  void joined(unsigned long inode);
  void left(unsigned long inode);  // swap-remove; nothing when it is no member
  std::optional<std::size_t> index_of(unsigned long inode) const;
  const std::vector<unsigned long>& members() const { return m_members; }

  // Brings the model in line with the sockets the kernel lists as listening on the port.
  // True when that is certain: every listener is a member, and at most one member has gone
  // (the order after two closes depends on which went first, which nobody saw).
  bool reconcile(const std::set<unsigned long>& listening);

 private:
  std::vector<unsigned long> m_members;
};

}  // namespace bosun::agent::sys
