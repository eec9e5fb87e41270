#pragma once
// A backup's seal: its size and sha256, written beside it as BACKUP.sha256 in sha256sum's
// format (so `sha256sum -c` checks it by hand too) when it is taken, and checked before it is
// put back, so that a truncated or altered file is never restored.

#include <string>

#include "sys/file_digest.hpp"

namespace bosun::agent::database {

using BackupSeal = sys::FileDigest;  // its size and sha256

// Reads `backup`, writes BACKUP.sha256 and returns what it recorded. Throws
// std::runtime_error naming the file when it cannot be read or the seal written.
BackupSeal seal_backup(const std::string& backup);

// "" when `backup` matches its seal (or has none: backups from before seals were kept);
// otherwise what is wrong, naming the file.
std::string check_backup_seal(const std::string& backup);

// The path of a backup's seal.
std::string seal_path(const std::string& backup);

// "12.3 KiB, sha256 9f2c…"
std::string describe(const BackupSeal& seal);

}  // namespace bosun::agent::database
