#include "database/backup_staging.hpp"

#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>

#include "sys/step_account.hpp"

namespace bosun::agent::database {
namespace {

namespace fs = std::filesystem;

void check(int result, const std::string& what, const fs::path& path) {
  if (result != 0) {
    throw std::runtime_error("cannot " + what + " " + path.string() + ": " + std::strerror(errno));
  }
}

}  // namespace

BackupStaging::BackupStaging(const std::string& backup_path, const std::string& user, Use use)
    : m_backup_path(backup_path), m_command_path(backup_path) {
  const auto account = sys::switch_account(user);
  if (!account) {
    throw std::runtime_error(account.error());
  }
  if (!*account) {
    return;
  }
  const fs::path backup(backup_path);
  const fs::path folder =
      backup.parent_path().parent_path() / (".staging-" + backup.filename().string());
  std::error_code error;
  fs::remove_all(folder, error);  // a dead agent's leftover
  check(::mkdir(folder.c_str(), 0700), "create", folder);
  m_folder = folder;
  check(::chown(folder.c_str(), (*account)->uid, (*account)->gid), "hand over", folder);
  m_command_path = (folder / backup.filename()).string();
  if (use == Use::restore) {
    fs::copy_file(backup, m_command_path);
    check(::chown(m_command_path.c_str(), (*account)->uid, (*account)->gid), "hand over",
          m_command_path);
  }
}

BackupStaging::~BackupStaging() {
  if (!m_folder.empty()) {
    std::error_code error;
    fs::remove_all(m_folder, error);
  }
}

void BackupStaging::keep_backup() const {
  if (m_folder.empty() || !fs::exists(m_command_path)) {
    return;  // written in place (or not at all: the caller says so)
  }
  check(::chown(m_command_path.c_str(), ::geteuid(), ::getegid()), "take back", m_command_path);
  check(::chmod(m_command_path.c_str(), 0600), "make private", m_command_path);
  check(::rename(m_command_path.c_str(), m_backup_path.c_str()), "move into place", m_command_path);
}

}  // namespace bosun::agent::database
