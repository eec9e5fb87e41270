#pragma once
// The account the app's own commands run as (the manifest's `user:`, see
// Manifest::steps_user): looked up on the host, and refused early when the agent could not
// switch to it, so that a deploy fails at checkout naming the user rather than in the middle
// of a build with "switching user: Operation not permitted".

#include <sys/types.h>

#include <optional>
#include <string>

#include <tl/expected.hpp>

namespace bosun::agent::sys {

struct Account {
  std::string name;
  uid_t uid = 0;
  gid_t gid = 0;
};

// nullopt when commands run as the agent itself: `user` empty or the agent's own account.
tl::expected<std::optional<Account>, std::string> switch_account(const std::string& user);

}  // namespace bosun::agent::sys
