#include "core/host_layout.hpp"

#include <sys/stat.h>

namespace bosun::agent {

namespace {

namespace fs = std::filesystem;

// Makes `folder` with `mode`, and any missing folder above it with 0755, explicitly: the
// agent's umask (077) would make them private.
void make_folder(const fs::path& folder, mode_t mode) {
  if (fs::exists(folder)) {
    return;
  }
  if (folder.has_parent_path() && folder.parent_path() != folder) {
    make_folder(folder.parent_path(), 0755);
  }
  fs::create_directory(folder);
  ::chmod(folder.c_str(), mode);
}

}  // namespace

// The root and shared/ are on the way of the services' users to their release and shared
// files; logs and adoption records are the agent's own.
void HostLayout::create() const {
  make_folder(root, 0755);
  make_folder(shared(), 0755);
  make_folder(logs(), 0700);
  make_folder(run_dir(), 0700);
}

}  // namespace bosun::agent
