#include "database/backup_seal.hpp"

#include <openssl/evp.h>

#include <filesystem>
#include <fstream>
#include <memory>
#include <stdexcept>

#include "bosun/common/byte_size.hpp"

namespace bosun::agent::database {

namespace {

BackupSeal measure(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    throw std::runtime_error("cannot read the backup " + path);
  }
  const std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> digest(EVP_MD_CTX_new(),
                                                                       &EVP_MD_CTX_free);
  EVP_DigestInit_ex(digest.get(), EVP_sha256(), nullptr);
  BackupSeal seal;
  char buffer[1 << 16];
  while (in) {
    in.read(buffer, sizeof buffer);
    const auto got = static_cast<std::size_t>(in.gcount());
    EVP_DigestUpdate(digest.get(), buffer, got);
    seal.bytes += got;
  }
  unsigned char hash[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  EVP_DigestFinal_ex(digest.get(), hash, &length);
  static const char* hex = "0123456789abcdef";
  for (unsigned int i = 0; i < length; ++i) {
    seal.sha256 += hex[hash[i] >> 4];
    seal.sha256 += hex[hash[i] & 0xf];
  }
  return seal;
}

}  // namespace

std::string seal_path(const std::string& backup) {
  return backup + ".sha256";
}

BackupSeal seal_backup(const std::string& backup) {
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
