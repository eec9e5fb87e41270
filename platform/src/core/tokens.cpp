#include "core/tokens.hpp"

#include <Poco/JWT/Signer.h>
#include <Poco/JWT/Token.h>
#include <Poco/Timestamp.h>

namespace platform {

TokenService::TokenService(std::string secret, std::int64_t ttl_seconds)
    : m_secret(std::move(secret)), m_ttl_seconds(ttl_seconds) {}

std::string TokenService::issue(const TokenClaims& claims) const {
  Poco::JWT::Token token;
  token.setType("JWT");
  token.setSubject(std::to_string(claims.user_id));
  token.payload().set("role", claims.role);
  Poco::Timestamp now;
  token.setIssuedAt(now);
  token.setExpiration(now + m_ttl_seconds * Poco::Timestamp::resolution());
  Poco::JWT::Signer signer(m_secret);
  return signer.sign(token, Poco::JWT::Signer::ALGO_HS256);
}

std::optional<TokenClaims> TokenService::verify(const std::string& token) const {
  try {
    Poco::JWT::Signer signer(m_secret);  // accepts HS256 only by default
    Poco::JWT::Token parsed;
    if (!signer.tryVerify(token, parsed)) {
      return std::nullopt;
    }
    if (parsed.getExpiration() <= Poco::Timestamp()) {
      return std::nullopt;
    }
    TokenClaims claims;
    claims.user_id = std::stoll(parsed.getSubject());
    claims.role = parsed.payload().optValue<std::string>("role", "");
    return claims;
  } catch (const std::exception&) {
    return std::nullopt;  // malformed token, payload or subject
  }
}

}  // namespace platform
