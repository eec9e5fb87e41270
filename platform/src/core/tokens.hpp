#pragma once
// Login tokens: JWT signed with HS256, carrying `sub` (user id), `role` and `exp`.

#include <cstdint>
#include <optional>
#include <string>

namespace platform {

struct TokenClaims {
  std::int64_t user_id = 0;
  std::string role;
};

class TokenService {
 public:
  TokenService(std::string secret, std::int64_t ttl_seconds);

  std::string issue(const TokenClaims& claims) const;
  // The claims of a well-signed, unexpired HS256 token; nullopt otherwise.
  std::optional<TokenClaims> verify(const std::string& token) const;

 private:
  std::string m_secret;
  std::int64_t m_ttl_seconds;
};

}  // namespace platform
