#pragma once
// A release directory and how to reach the repository: the values the release store and
// the Releases interface pass around.

#include <filesystem>
#include <string>

namespace bosun::agent::release {

struct Release {
  std::string id;      // directory name: 20261122T154300Z-1a2b3c4d
  std::string commit;  // full sha, from REVISION
  std::filesystem::path path;
  bool current = false;
};

// How to authenticate to the repository: a deploy key for ssh URLs (else the ssh-agent), a
// token for https ones. Values come from the host's shared/.env, never from the command line.
struct FetchCredentials {
  std::string ssh_key;  // path of a private key file on the host
  std::string token;    // https: sent as the password
  std::string user;     // https user for the token (default "x-access-token")
};

}  // namespace bosun::agent::release
