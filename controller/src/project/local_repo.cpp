#include "project/local_repo.hpp"

#include <git2.h>

#include <filesystem>
#include <memory>

#include "bosun/common/text_file.hpp"

namespace bosun::controller::project {
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
  if (!facts.workdir.empty()) {
    facts.manifest_in_repo =
        std::filesystem::relative(std::filesystem::weakly_canonical(manifest),
                                  std::filesystem::weakly_canonical(facts.workdir))
            .string();
    git_object* committed = nullptr;
    const auto* commit = reinterpret_cast<git_commit*>(object);
    git_tree* tree = nullptr;
    std::string in_commit;
    bool found_blob = false;
    if (git_commit_tree(&tree, commit) == 0 &&
        git_object_lookup_bypath(&committed, reinterpret_cast<git_object*>(tree),
                                 facts.manifest_in_repo.c_str(), GIT_OBJECT_BLOB) == 0) {
      const auto* blob = reinterpret_cast<git_blob*>(committed);
      in_commit.assign(static_cast<const char*>(git_blob_rawcontent(blob)),
                       static_cast<std::size_t>(git_blob_rawsize(blob)));
      found_blob = true;
    }
    git_object_free(committed);
    git_tree_free(tree);
    facts.manifest_differs = !found_blob || read_text_file(manifest.string()) != in_commit;
  }
  git_object_free(object);
  git_repository_free(repo);
  git_libgit2_shutdown();
  return facts;
}

namespace {

// libgit2 for the length of one call.
class LibGit {
 public:
  LibGit() { git_libgit2_init(); }
  ~LibGit() { git_libgit2_shutdown(); }
  LibGit(const LibGit&) = delete;
  LibGit& operator=(const LibGit&) = delete;
};

int collect_migration(const git_diff_delta* delta, float, void* payload) {
  auto* paths = static_cast<std::vector<std::string>*>(payload);
  const char* path = delta->new_file.path != nullptr ? delta->new_file.path : delta->old_file.path;
  if (path != nullptr && std::string(path).find("migration") != std::string::npos) {
    paths->emplace_back(path);
  }
  return 0;
}

}  // namespace

tl::expected<ChangeSummary, std::string> changes_between(const std::string& manifest_path,
                                                         const std::string& from,
                                                         const std::string& to, std::size_t limit) {
  const LibGit libgit;
  git_repository* repo = nullptr;
  const std::filesystem::path manifest = std::filesystem::absolute(manifest_path);
  if (git_repository_open_ext(&repo, manifest.parent_path().c_str(), 0, nullptr) != 0) {
    return tl::make_unexpected(last_error());
  }
  std::unique_ptr<git_repository, decltype(&git_repository_free)> owned(repo, git_repository_free);
  git_oid from_id;
  git_oid to_id;
  if (git_oid_fromstr(&from_id, from.c_str()) != 0 || git_oid_fromstr(&to_id, to.c_str()) != 0) {
    return tl::make_unexpected("not full commit ids: " + from + ", " + to);
  }
  ChangeSummary summary;
  git_revwalk* walk = nullptr;
  git_revwalk_new(&walk, repo);
  std::unique_ptr<git_revwalk, decltype(&git_revwalk_free)> walker(walk, git_revwalk_free);
  if (git_revwalk_push(walk, &to_id) != 0 || git_revwalk_hide(walk, &from_id) != 0) {
    return tl::make_unexpected("commits not in this repository (fetch first?): " + last_error());
  }
  git_oid id;
  while (summary.commits.size() < limit && git_revwalk_next(&id, walk) == 0) {
    git_commit* commit = nullptr;
    if (git_commit_lookup(&commit, repo, &id) == 0) {
      char sha[GIT_OID_HEXSZ + 1] = {};
      git_oid_tostr(sha, sizeof sha, &id);
      const char* subject = git_commit_summary(commit);
      summary.commits.push_back(std::string(sha).substr(0, 8) + " " +
                                (subject != nullptr ? subject : ""));
      git_commit_free(commit);
    }
  }
  git_commit* old_commit = nullptr;
  git_commit* new_commit = nullptr;
  git_tree* old_tree = nullptr;
  git_tree* new_tree = nullptr;
  git_diff* diff = nullptr;
  if (git_commit_lookup(&old_commit, repo, &from_id) == 0 &&
      git_commit_lookup(&new_commit, repo, &to_id) == 0 &&
      git_commit_tree(&old_tree, old_commit) == 0 && git_commit_tree(&new_tree, new_commit) == 0 &&
      git_diff_tree_to_tree(&diff, repo, old_tree, new_tree, nullptr) == 0) {
    git_diff_foreach(diff, collect_migration, nullptr, nullptr, nullptr, &summary.migrations);
  }
  git_diff_free(diff);
  git_tree_free(old_tree);
  git_tree_free(new_tree);
  git_commit_free(old_commit);
  git_commit_free(new_commit);
  return summary;
}

}  // namespace bosun::controller::project
