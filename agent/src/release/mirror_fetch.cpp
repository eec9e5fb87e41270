#include "release/mirror_fetch.hpp"

#include <git2.h>

#include "release/fetch_trust.hpp"
#include "release/git_handles.hpp"

namespace bosun::agent::release {
namespace {

namespace fs = std::filesystem;

struct CallbackState {
  const FetchCredentials* credentials;
  const std::function<void()>* progressed;
  int attempts = 0;
};

int transfer_moved(const git_indexer_progress* /*stats*/, void* payload) {
  (*static_cast<CallbackState*>(payload)->progressed)();
  return 0;
}

int server_said(const char* /*text*/, int /*length*/, void* payload) {
  (*static_cast<CallbackState*>(payload)->progressed)();
  return 0;
}

// libgit2 asks again after each rejected credential: give each kind one try, then give up
// (a positive return means "no credential to offer": the fetch fails with the server's error).
int offer_credentials(git_credential** out, const char* /*url*/, const char* user_from_url,
                      unsigned int allowed, void* payload) {
  auto* state = static_cast<CallbackState*>(payload);
  (*state->progressed)();
  if (++state->attempts > 2) {
    return 1;
  }
  const FetchCredentials& given = *state->credentials;
  const char* ssh_user = user_from_url != nullptr ? user_from_url : "git";
  if ((allowed & GIT_CREDENTIAL_SSH_KEY) != 0) {
    if (!given.ssh_key.empty() && state->attempts == 1) {
      return git_credential_ssh_key_new(out, ssh_user, nullptr, given.ssh_key.c_str(), nullptr);
    }
    return git_credential_ssh_key_from_agent(out, ssh_user);
  }
  if ((allowed & GIT_CREDENTIAL_USERPASS_PLAINTEXT) != 0 && !given.token.empty() &&
      state->attempts == 1) {
    const std::string user = given.user.empty() ? "x-access-token" : given.user;
    return git_credential_userpass_plaintext_new(out, user.c_str(), given.token.c_str());
  }
  return 1;
}

// The server's identity, checked explicitly (release/fetch_trust.hpp): a TLS certificate that
// libgit2 found invalid is refused; an SSH host key is left to libgit2's known_hosts check,
// which fetch() made sure this version has.
int check_certificate(git_cert* cert, int valid, const char* host, void* /*payload*/) {
  if (cert->cert_type == GIT_CERT_X509) {
    if (valid != 0) {
      return 0;
    }
    git_error_set_str(GIT_ERROR_SSL, (std::string("the TLS certificate of ") +
                                      (host != nullptr ? host : "the server") +
                                      " is not valid for it (expired, self-signed or another "
                                      "host's): not fetching")
                                         .c_str());
    return GIT_ECERTIFICATE;
  }
  return GIT_PASSTHROUGH;
}

}  // namespace

void fetch_into_mirror(const fs::path& mirror, const std::string& repository,
                       const FetchCredentials& credentials,
                       const std::function<void()>& progressed) {
  Repository repo;
  if (git_repository_open_bare(&repo.ptr, mirror.c_str()) != 0) {
    fs::create_directories(mirror);
    if (git_repository_init(&repo.ptr, mirror.c_str(), /*is_bare=*/1) != 0) {
      fail("cannot create the mirror at " + mirror.string());
    }
  }
  Remote remote;
  if (git_remote_lookup(&remote.ptr, repo.ptr, "origin") != 0) {
    if (git_remote_create_with_fetchspec(&remote.ptr, repo.ptr, "origin", repository.c_str(),
                                         "+refs/*:refs/*") != 0) {
      fail("cannot add the repository " + repository);
    }
  } else if (repository != git_remote_url(remote.ptr)) {
    if (git_remote_set_url(repo.ptr, "origin", repository.c_str()) != 0) {
      fail("cannot change the repository to " + repository);
    }
    git_remote_free(remote.ptr);
    remote.ptr = nullptr;
    if (git_remote_lookup(&remote.ptr, repo.ptr, "origin") != 0) {
      fail("cannot reopen the repository " + repository);
    }
  }
  int major = 0;
  int minor = 0;
  int revision = 0;
  git_libgit2_version(&major, &minor, &revision);
  if (const std::string refused = fetch_refusal(repository, major, minor, revision);
      !refused.empty()) {
    throw std::runtime_error(refused);
  }
  git_fetch_options options = GIT_FETCH_OPTIONS_INIT;
  options.prune = GIT_FETCH_PRUNE;
  options.callbacks.certificate_check = check_certificate;
  CallbackState state{&credentials, &progressed};
  options.callbacks.credentials = offer_credentials;
  options.callbacks.transfer_progress = transfer_moved;
  options.callbacks.sideband_progress = server_said;
  options.callbacks.payload = &state;
  if (git_remote_fetch(remote.ptr, nullptr, &options, "bosun fetch") != 0) {
    fail("cannot fetch " + repository);
  }
}

}  // namespace bosun::agent::release
