#include "database/backup_seal.hpp"

#include <sys/stat.h>

#include <filesystem>
#include <fstream>
#include <stdexcept>

#include "bosun/common/byte_size.hpp"

namespace bosun::agent::database {

namespace {

BackupSeal measure(const std::string& path) {
  try {
    return sys::digest_file(path);
  } catch (const std::runtime_error&) {
    throw std::runtime_error("cannot read the backup " + path);
  }
}

}  // namespace

std::string seal_path(const std::string& backup) {
  return backup + ".sha256";
}

BackupSeal seal_backup(const std::string& backup) {
  // Never wider than the agent's own files (0600), nor than the file it came from (a dump tool
  // run with the usual umask writes 0644).
  struct stat info {};
  if (::stat(backup.c_str(), &info) == 0) {
    ::chmod(backup.c_str(), info.st_mode & 0600);
  }
  const BackupSeal seal = measure(backup);
  const std::string path = seal_path(backup);
  std::ofstream out(path, std::ios::trunc);
  out << seal.sha256 << "  " << std::filesystem::path(backup).filename().string() << "\n";
  out.close();
  if (!out) {
    throw std::runtime_error("cannot write " + path);
  }
  return seal;
}

std::string check_backup_seal(const std::string& backup) {
  std::ifstream in(seal_path(backup));
  std::string recorded;
  if (!(in >> recorded)) {
    return "";
  }
  const BackupSeal now = measure(backup);
  if (now.sha256 != recorded) {
    return "the backup " + backup + " does not match its sha256 recorded when it was taken (" +
           recorded.substr(0, 12) + "…, now " + now.sha256.substr(0, 12) +
           "…): it was changed or truncated since";
  }
  return "";
}

std::string describe(const BackupSeal& seal) {
  return format_byte_size(seal.bytes) + ", sha256 " + seal.sha256.substr(0, 12) + "…";
}

}  // namespace bosun::agent::database
