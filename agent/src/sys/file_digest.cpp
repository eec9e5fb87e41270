#include "sys/file_digest.hpp"

#include <openssl/evp.h>

#include <fstream>
#include <memory>
#include <stdexcept>

namespace bosun::agent::sys {

FileDigest digest_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    throw std::runtime_error("cannot read " + path);
  }
  const std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> digest(EVP_MD_CTX_new(),
                                                                       &EVP_MD_CTX_free);
  EVP_DigestInit_ex(digest.get(), EVP_sha256(), nullptr);
  FileDigest result;
  char buffer[1 << 16];
  while (in) {
    in.read(buffer, sizeof buffer);
    const auto got = static_cast<std::size_t>(in.gcount());
    EVP_DigestUpdate(digest.get(), buffer, got);
    result.bytes += got;
  }
  unsigned char hash[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  EVP_DigestFinal_ex(digest.get(), hash, &length);
  static const char* hex = "0123456789abcdef";
  for (unsigned int i = 0; i < length; ++i) {
    result.sha256 += hex[hash[i] >> 4];
    result.sha256 += hex[hash[i] & 0xf];
  }
  return result;
}

}  // namespace bosun::agent::sys
