#include "core/password_hash.hpp"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

#include <sstream>
#include <stdexcept>
#include <vector>

#include <Poco/Base64Decoder.h>
#include <Poco/Base64Encoder.h>

namespace platform {
namespace {

constexpr std::size_t k_salt_bytes = 16;
constexpr std::size_t k_hash_bytes = 32;

std::string to_base64(const std::vector<unsigned char>& bytes) {
  std::ostringstream out;
  Poco::Base64Encoder encoder(out);
  encoder.rdbuf()->setLineLength(0);
  encoder.write(reinterpret_cast<const char*>(bytes.data()),
                static_cast<std::streamsize>(bytes.size()));
  encoder.close();
  return out.str();
}

std::vector<unsigned char> from_base64(const std::string& text) {
  std::istringstream in(text);
  Poco::Base64Decoder decoder(in);
  std::vector<unsigned char> bytes;
  char c = 0;
  while (decoder.get(c)) {
    bytes.push_back(static_cast<unsigned char>(c));
  }
  return bytes;
}

std::vector<unsigned char> derive(const std::string& password,
                                  const std::vector<unsigned char>& salt, int iterations) {
  std::vector<unsigned char> out(k_hash_bytes);
  const int ok = PKCS5_PBKDF2_HMAC(password.data(), static_cast<int>(password.size()), salt.data(),
                                   static_cast<int>(salt.size()), iterations, EVP_sha256(),
                                   static_cast<int>(out.size()), out.data());
  if (ok != 1) {
    throw std::runtime_error("PBKDF2 failed");
  }
  return out;
}

}  // namespace

std::string hash_password(const std::string& password, int iterations) {
  std::vector<unsigned char> salt(k_salt_bytes);
  if (RAND_bytes(salt.data(), static_cast<int>(salt.size())) != 1) {
    throw std::runtime_error("no randomness available for a password salt");
  }
  return "pbkdf2_sha256$" + std::to_string(iterations) + "$" + to_base64(salt) + "$" +
         to_base64(derive(password, salt, iterations));
}

bool verify_password(const std::string& password, const std::string& stored) {
  std::vector<std::string> parts;
  std::size_t start = 0;
  while (true) {
    const std::size_t dollar = stored.find('$', start);
    parts.push_back(
        stored.substr(start, dollar == std::string::npos ? std::string::npos : dollar - start));
    if (dollar == std::string::npos) {
      break;
    }
    start = dollar + 1;
  }
  if (parts.size() != 4 || parts[0] != "pbkdf2_sha256") {
    return false;
  }
  int iterations = 0;
  try {
    iterations = std::stoi(parts[1]);
  } catch (const std::exception&) {
    return false;
  }
  if (iterations < 1 || iterations > 10'000'000) {
    return false;
  }
  const auto salt = from_base64(parts[2]);
  const auto expected = from_base64(parts[3]);
  if (salt.empty() || expected.size() != k_hash_bytes) {
    return false;
  }
  const auto actual = derive(password, salt, iterations);
  return CRYPTO_memcmp(actual.data(), expected.data(), k_hash_bytes) == 0;
}

}  // namespace platform
