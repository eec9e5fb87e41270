#include "release/release_store.hpp"

#include <fcntl.h>
#include <git2.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <ctime>
#include <fstream>
#include <memory>
#include <stdexcept>

#include "bosun/common/text_file.hpp"
#include "release/fetch_process.hpp"
#include "release/git_handles.hpp"
#include "release/inside_tree.hpp"

namespace bosun::agent::release {
namespace {

namespace fs = std::filesystem;

// The release as git leaves it under the usual umask, whatever the agent's own (077): folders
// 0755, files 0644, executables 0755, for the services' users to read. Symlinks are skipped.
void open_to_readers(const fs::path& tree) {
  ::chmod(tree.c_str(), 0755);
  std::error_code error;
  for (fs::recursive_directory_iterator it(tree, fs::directory_options::none, error), end;
       !error && it != end; it.increment(error)) {
    const fs::file_status status = it->symlink_status(error);
    if (fs::is_directory(status)) {
      ::chmod(it->path().c_str(), 0755);
    } else if (fs::is_regular_file(status)) {
      const bool executable = (status.permissions() & fs::perms::owner_exec) != fs::perms::none;
      ::chmod(it->path().c_str(), executable ? 0755 : 0644);
    }
  }
}

std::string read_revision(const fs::path& release) {
  std::ifstream in(release / "REVISION");
  std::string commit;
  std::getline(in, commit);
  return commit;
}

// To the millisecond: release ids sort by age, and two deploys can fall within one second
// (prune and rollback would then order them by their commit hashes instead).
std::string utc_stamp() {
  const auto now = std::chrono::system_clock::now();
  const std::time_t seconds = std::chrono::system_clock::to_time_t(now);
  const auto millis =
      std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count() % 1000;
  std::tm utc{};
  gmtime_r(&seconds, &utc);
  char text[32];
  std::strftime(text, sizeof text, "%Y%m%dT%H%M%S", &utc);
  char fraction[8];
  std::snprintf(fraction, sizeof fraction, "%03dZ", static_cast<int>(millis));
  return std::string(text) + fraction;
}

}  // namespace

// libgit2 counts init/shutdown pairs: each store holds it for its lifetime, and the last one
// releases its global state (caches that would otherwise look like leaks).
ReleaseStore::ReleaseStore(fs::path root, FetchLimits fetch)
    : m_root(std::move(root)), m_fetch(std::move(fetch)) {
  git_libgit2_init();
}

ReleaseStore::~ReleaseStore() {
  git_libgit2_shutdown();
}

void ReleaseStore::clear_stale_locks() const {
  // The mirror is the agent's alone and the daemon runs one deploy at a time: a lock file in
  // it was left by an agent killed mid-fetch or mid-checkout, and would fail every later one
  // ("the index is locked").
  // Lock files live at the top (index, HEAD, config, packed-refs) and under refs/.
  const auto remove_locks = [](const auto& entries) {
    std::error_code error;
    for (const fs::directory_entry& entry : entries) {
      if (entry.path().extension() == ".lock" && entry.is_regular_file(error)) {
        fs::remove(entry.path(), error);
      }
    }
  };
  std::error_code error;
  remove_locks(fs::directory_iterator(mirror_path(), error));
  if (fs::exists(mirror_path() / "refs", error)) {
    remove_locks(fs::recursive_directory_iterator(mirror_path() / "refs", error));
  }
}

void ReleaseStore::fetch(const std::string& repository, const FetchCredentials& credentials) {
  clear_stale_locks();
  fetch_in_child(m_fetch, mirror_path(), repository, credentials);
}

std::string ReleaseStore::resolve(const std::string& ref) const {
  Repository repo;
  if (git_repository_open_bare(&repo.ptr, mirror_path().c_str()) != 0) {
    fail("no mirror at " + mirror_path().string() + " (fetch first)");
  }
  Object object;
  const std::string spec = ref + "^{commit}";
  if (git_revparse_single(&object.ptr, repo.ptr, spec.c_str()) != 0) {
    fail("unknown ref \"" + ref + "\"");
  }
  char sha[GIT_OID_HEXSZ + 1] = {};
  git_oid_tostr(sha, sizeof sha, git_object_id(object.ptr));
  return sha;
}

Release ReleaseStore::checkout(const std::string& commit) {
  Repository repo;
  if (git_repository_open_bare(&repo.ptr, mirror_path().c_str()) != 0) {
    fail("no mirror at " + mirror_path().string() + " (fetch first)");
  }
  const std::string sha = resolve(commit);
  Object object;
  if (git_revparse_single(&object.ptr, repo.ptr, sha.c_str()) != 0) {
    fail("cannot read commit " + sha);
  }
  Release release;
  release.commit = sha;
  release.id = utc_stamp() + "-" + sha.substr(0, 8);
  release.path = releases_path() / release.id;
  // Two checkouts of the same commit within one second get distinct directories.
  for (int suffix = 2; fs::exists(release.path); ++suffix) {
    release.id = utc_stamp() + "-" + sha.substr(0, 8) + "-" + std::to_string(suffix);
    release.path = releases_path() / release.id;
  }
  const fs::path staging = releases_path() / ("." + release.id + ".tmp");
  fs::create_directories(staging);
  ::chmod(releases_path().c_str(), 0755);  // the services' users go through it
  clear_stale_locks();
  git_checkout_options options = GIT_CHECKOUT_OPTIONS_INIT;
  options.checkout_strategy = GIT_CHECKOUT_FORCE;
  const std::string target = staging.string();
  options.target_directory = target.c_str();
  if (git_checkout_tree(repo.ptr, object.ptr, &options) != 0) {
    std::error_code ignored;
    fs::remove_all(staging, ignored);
    fail("cannot check out " + sha);
  }
  std::ofstream(staging / "REVISION") << sha << "\n";
  open_to_readers(staging);
  // Only a complete checkout ever appears under its final name.
  fs::rename(staging, release.path);
  return release;
}

// Neither side is reached through a symlink: the release's folders come from the repository,
// and shared/ is written by the app at run time.
void ReleaseStore::link_shared(const Release& release, const std::vector<std::string>& paths) {
  for (const std::string& path : paths) {
    const std::string what = "shared: " + path;
    const fs::path link = make_parents_inside(release.path, path, what);
    fs::create_directories(m_root / "shared");
    const fs::path target = make_parents_inside(m_root / "shared", path, what);
    std::string points_to;
    if (is_symlink_at(target, points_to)) {
      throw std::runtime_error(what + ": " + target.string() + " is a symlink (to " + points_to +
                               "); shared paths must be real files or folders");
    }
    if (!fs::exists(target)) {
      const std::string name = fs::path(path).filename().string();
      if (name.find('.') != std::string::npos) {
        std::ofstream(target).flush();  // a file such as .env: the secrets' file is 0600
        ::chmod(target.c_str(), name == ".env" ? 0600 : 0644);
      } else {
        fs::create_directory(target);
        ::chmod(target.c_str(), 0755);
      }
    }
    // What the repository had there is replaced by the link; a symlink it committed is removed
    // itself, never followed.
    std::error_code ignored;
    if (is_symlink_at(link, points_to)) {
      fs::remove(link, ignored);
    } else {
      fs::remove_all(link, ignored);
    }
    fs::create_symlink(target, link);
  }
}

void ReleaseStore::switch_current(const Release& release) {
  const fs::path link = m_root / "current";
  const fs::path temporary = m_root / ".current.tmp";
  std::error_code ignored;
  fs::remove(temporary, ignored);
  // The release's files reach the disk before `current` names it (one syncfs of the root's
  // filesystem), and the rename is made durable with its folder: after a power cut the host
  // comes back on the release that was reported live, complete.
  if (const int fd = ::open(release.path.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC); fd >= 0) {
    ::syncfs(fd);
    ::close(fd);
  }
  fs::create_symlink(fs::path("releases") / release.id, temporary);
  fs::rename(temporary, link);  // rename(2): atomic replacement of the old link
  sync_path(m_root.string());
}

std::optional<Release> ReleaseStore::current() const {
  std::error_code error;
  const fs::path target = fs::read_symlink(m_root / "current", error);
  if (error) {
    return std::nullopt;
  }
  Release release;
  release.id = target.filename().string();
  release.path = releases_path() / release.id;
  release.commit = read_revision(release.path);
  release.current = true;
  return release;
}

std::vector<Release> ReleaseStore::list() const {
  std::vector<Release> releases;
  const auto live = current();
  std::error_code error;
  for (const auto& entry : fs::directory_iterator(releases_path(), error)) {
    const std::string name = entry.path().filename().string();
    if (!entry.is_directory() || name.starts_with(".")) {
      continue;
    }
    releases.push_back({name, read_revision(entry.path()), entry.path(), live && live->id == name});
  }
  // Ids start with a UTC timestamp, so name order is age order.
  std::sort(releases.begin(), releases.end(),
            [](const Release& a, const Release& b) { return a.id < b.id; });
  return releases;
}

std::vector<std::string> ReleaseStore::prune(std::size_t keep,
                                             const std::vector<std::string>& protect) {
  std::vector<Release> releases = list();
  std::vector<std::string> removed;
  std::size_t excess = releases.size() > keep ? releases.size() - keep : 0;
  for (const Release& release : releases) {
    if (excess == 0) {
      break;
    }
    const bool kept =
        release.current || std::find(protect.begin(), protect.end(), release.id) != protect.end();
    if (kept) {
      continue;
    }
    fs::remove_all(release.path);
    removed.push_back(release.id);
    --excess;
  }
  return removed;
}

void ReleaseStore::discard(const Release& release) {
  const auto live = current();
  if (live && live->id == release.id) {
    throw std::runtime_error("release " + release.id + " is current and cannot be discarded");
  }
  std::error_code ignored;
  fs::remove_all(release.path, ignored);
}

}  // namespace bosun::agent::release
