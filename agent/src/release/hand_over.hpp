#pragma once
// Handing the files the app's commands write to the account they run as: the release a build
// writes into, the shared paths its services write, the dependency caches. Walked without
// following a symlink (a committed link cannot point the chown elsewhere), and only what the
// agent itself owns changes hands: a database's data directory owned by `postgres` stays so.

#include <sys/types.h>

#include <filesystem>
#include <string>

namespace bosun::agent::release {

// Returns how many entries changed owner. Throws std::runtime_error naming the path that
// could not be handed over.
std::size_t hand_over_tree(const std::filesystem::path& top, uid_t uid, gid_t gid);
// The same to the account `user` names (sys::switch_account); nothing when the commands run as
// the agent itself. Throws std::runtime_error when the account cannot be used.
std::size_t hand_over_to_user(const std::filesystem::path& top, const std::string& user);

}  // namespace bosun::agent::release
