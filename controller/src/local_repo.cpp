#include "local_repo.hpp"

#include <git2.h>

#include <filesystem>

namespace bosun::controller {
namespace {

std::string last_error() {
  const git_error* error = git_error_last();
  return error != nullptr && error->message != nullptr ? error->message : "unknown error";
}

}  // namespace

tl::expected<RepoFacts, std::string> resolve_in_repo(const std::string& manifest_path,
                                                     const std::string& ref) {
  git_libgit2_init();
  const std::filesystem::path manifest = std::filesystem::absolute(manifest_path);
  git_repository* repo = nullptr;
  if (git_repository_open_ext(&repo, manifest.parent_path().c_str(), 0, nullptr) != 0) {
    const std::string reason = last_error();
    git_libgit2_shutdown();
    return tl::make_unexpected(manifest.parent_path().string() +
                               " is not in a git repository: bosun deploys commits, and the "
                               "manifest travels with them (" +
                               reason + ")");
  }
  RepoFacts facts;
  const char* workdir = git_repository_workdir(repo);
  facts.workdir = workdir != nullptr ? workdir : "";
  git_object* object = nullptr;
  const std::string spec = (ref.empty() ? std::string("HEAD") : ref) + "^{commit}";
  const int found = git_revparse_single(&object, repo, spec.c_str());
  if (found != 0) {
    const std::string reason = last_error();
    git_repository_free(repo);
    git_libgit2_shutdown();
    return tl::make_unexpected("unknown ref \"" + (ref.empty() ? "HEAD" : ref) + "\": " + reason);
  }
  char sha[GIT_OID_HEXSZ + 1] = {};
  git_oid_tostr(sha, sizeof sha, git_object_id(object));
  facts.commit = sha;
  git_object_free(object);
  git_repository_free(repo);
  git_libgit2_shutdown();
  if (!facts.workdir.empty()) {
    facts.manifest_in_repo =
        std::filesystem::relative(std::filesystem::weakly_canonical(manifest),
                                  std::filesystem::weakly_canonical(facts.workdir))
            .string();
  }
  return facts;
}

}  // namespace bosun::controller
