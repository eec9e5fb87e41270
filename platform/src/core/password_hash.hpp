#pragma once
// Password storage: PBKDF2-HMAC-SHA256 with a random 16-byte salt.
// Stored as "pbkdf2_sha256$<iterations>$<salt base64>$<hash base64>".

#include <string>

namespace platform {

inline constexpr int k_password_iterations = 120'000;

std::string hash_password(const std::string& password, int iterations = k_password_iterations);
// Constant-time comparison; false for malformed stored values.
bool verify_password(const std::string& password, const std::string& stored);

}  // namespace platform
