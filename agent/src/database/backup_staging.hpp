#pragma once
// Where a manifest's backup or restore command that runs as another account (`user:`) reads
// and writes its file: backups/ is the agent's own (0700), so the command gets a folder of its
// own beside it, ROOT/.staging-NAME (0700, that account's), and the agent moves the file in
// (restore: a copy) and out (backup), ending with the agent's own 0600 backup.

#include <filesystem>
#include <string>

namespace bosun::agent::database {

class BackupStaging {
 public:
  enum class Use { backup, restore };
  // Throws std::runtime_error naming the path or user it cannot set up.
  BackupStaging(const std::string& backup_path, const std::string& user, Use use);
  ~BackupStaging();
  BackupStaging(const BackupStaging&) = delete;
  BackupStaging& operator=(const BackupStaging&) = delete;

  // What the command gets as BOSUN_BACKUP_PATH.
  const std::string& command_path() const { return m_command_path; }
  // After a backup command succeeded: its file, when it wrote one, becomes the agent's backup.
  void keep_backup() const;

 private:
  std::string m_backup_path;
  std::string m_command_path;
  std::filesystem::path m_folder;  // empty: the command runs as the agent, no staging
};

}  // namespace bosun::agent::database
