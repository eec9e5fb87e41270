#include "sys/step_account.hpp"

#include <pwd.h>
#include <unistd.h>

namespace bosun::agent::sys {

tl::expected<std::optional<Account>, std::string> switch_account(const std::string& user) {
  if (user.empty()) {
    return std::nullopt;
  }
  const passwd* entry = ::getpwnam(user.c_str());
  if (entry == nullptr) {
    return tl::make_unexpected("user: " + user + " is not an account on this host (useradd " +
                               user + ", or change user: in the manifest)");
  }
  const Account account{user, entry->pw_uid, entry->pw_gid};
  if (account.uid == ::geteuid()) {
    return std::nullopt;
  }
  if (::geteuid() != 0) {
    return tl::make_unexpected(
        "user: " + user + " needs the agent to run as root to switch to it (it runs as uid " +
        std::to_string(::geteuid()) + "): run it as root, as the systemd unit does, or drop user:");
  }
  return account;
}

}  // namespace bosun::agent::sys
