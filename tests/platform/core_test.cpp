// The platform's building blocks without processes: passwords, tokens, configuration,
// content generation and routing.

#include <gtest/gtest.h>

#include "core/config.hpp"
#include "core/content_provider.hpp"
#include "core/password_hash.hpp"
#include "core/tokens.hpp"
#include "server/router.hpp"

namespace platform {
namespace {

TEST(PasswordHash, VerifiesOnlyTheRightPassword) {
  const std::string stored = hash_password("correct horse");
  EXPECT_TRUE(stored.starts_with("pbkdf2_sha256$120000$"));
  EXPECT_EQ(stored.find("correct horse"), std::string::npos);
  EXPECT_TRUE(verify_password("correct horse", stored));
  EXPECT_FALSE(verify_password("correct horsE", stored));
  EXPECT_FALSE(verify_password("", stored));
}

TEST(PasswordHash, SaltsEveryHash) {
  EXPECT_NE(hash_password("same", 1000), hash_password("same", 1000));
}

TEST(PasswordHash, RejectsMalformedStoredValues) {
  for (const char* stored : {"", "plain", "pbkdf2_sha256$x$a$b", "md5$1$a$b",
                             "pbkdf2_sha256$1000$$", "pbkdf2_sha256$0$YQ==$YQ=="}) {
    EXPECT_FALSE(verify_password("anything", stored)) << stored;
  }
}

TEST(Tokens, RoundTripClaims) {
  TokenService tokens(std::string(40, 'k'), 3600);
  const auto claims = tokens.verify(tokens.issue({42, "admin"}));
  ASSERT_TRUE(claims.has_value());
  EXPECT_EQ(claims->user_id, 42);
  EXPECT_EQ(claims->role, "admin");
}

TEST(Tokens, RejectsForeignTamperedAndExpired) {
  TokenService tokens(std::string(40, 'k'), 3600);
  TokenService other(std::string(40, 'x'), 3600);
  const std::string token = tokens.issue({1, "guest"});
  EXPECT_FALSE(other.verify(token).has_value());
  std::string tampered = token;
  tampered[tampered.find('.') + 2] ^= 1;
  EXPECT_FALSE(tokens.verify(tampered).has_value());
  EXPECT_FALSE(tokens.verify("not.a.token").has_value());
  EXPECT_FALSE(tokens.verify("").has_value());
  // alg "none" with the signature stripped must never pass.
  EXPECT_FALSE(tokens.verify("eyJhbGciOiJub25lIn0.eyJzdWIiOiIxIn0.").has_value());
  TokenService expired(std::string(40, 'k'), -10);
  EXPECT_FALSE(tokens.verify(expired.issue({1, "guest"})).has_value());
}

EnvLookup fake_env(std::map<std::string, std::string> values) {
  return [values](const std::string& name) -> std::optional<std::string> {
    const auto found = values.find(name);
    return found == values.end() ? std::nullopt : std::optional(found->second);
  };
}

TEST(Config, ReadsServerSettings) {
  const ServerConfig config =
      load_server_config(fake_env({{"DATABASE_URL", "sqlite:////srv/app.db"},
                                   {"REDIS_URL", "redis://10.0.0.5:6390/0"},
                                   {"JWT_SECRET_KEY", std::string(32, 's')},
                                   {"PORT", "9000"},
                                   {"ADMIN_EMAILS", "a@x.io,b@x.io"}}));
  EXPECT_EQ(config.store.database_path, "/srv/app.db");
  EXPECT_EQ(config.store.redis.host, "10.0.0.5");
  EXPECT_EQ(config.store.redis.port, 6390);
  EXPECT_EQ(config.port, 9000);
  EXPECT_EQ(config.admin_emails.size(), 2U);
}

TEST(Config, ReportsEveryProblemWithoutTheSecret) {
  try {
    load_server_config(fake_env({{"JWT_SECRET_KEY", "short-secret-value"},
                                 {"PORT", "http"},
                                 {"REDIS_URL", "redis://user:pw@host:1"}}));
    FAIL() << "expected ConfigError";
  } catch (const ConfigError& error) {
    const std::string text = error.what();
    EXPECT_EQ(error.problems().size(), 4U) << text;
    EXPECT_NE(text.find("DATABASE_URL is not set"), std::string::npos) << text;
    EXPECT_NE(text.find("JWT_SECRET_KEY is 18 bytes long; at least 32"), std::string::npos) << text;
    EXPECT_NE(text.find("PORT=http must be a whole number"), std::string::npos) << text;
    EXPECT_NE(text.find("REDIS_URL is not a redis://host:port URL"), std::string::npos) << text;
    EXPECT_EQ(text.find("short-secret-value"), std::string::npos) << text;
    EXPECT_EQ(text.find("pw@"), std::string::npos) << text;
  }
}

TEST(Config, MissingSecretIsNamed) {
  try {
    load_server_config(fake_env({{"DATABASE_URL", "sqlite:///app.db"}}));
    FAIL() << "expected ConfigError";
  } catch (const ConfigError& error) {
    EXPECT_NE(std::string(error.what()).find("JWT_SECRET_KEY is not set"), std::string::npos);
  }
}

TEST(ContentProvider, DeterministicPerTopicAndMode) {
  LocalContentProvider provider;
  const auto a = provider.generate("docker volumes", "text");
  const auto b = provider.generate("docker volumes", "text");
  EXPECT_EQ(a.title, b.title);
  EXPECT_EQ(a.body, b.body);
  EXPECT_NE(a.body, provider.generate("docker volumes", "audio").body);
  EXPECT_NE(provider.generate("docker volumes", "quiz").body.find("\"q\""), std::string::npos);
  EXPECT_THROW(provider.generate("x", "video"), std::runtime_error);
  LocalContentProvider failing(std::chrono::milliseconds(0), "boom");
  EXPECT_THROW(failing.generate("a boom topic", "text"), std::runtime_error);
  EXPECT_NO_THROW(failing.generate("calm topic", "text"));
}

TEST(Router, MatchesParamsAndReportsWrongMethods) {
  Router router;
  router.add("GET", "/users/me",
             [](const HttpRequest&, const RouteParams&) { return HttpResponse(200, "me"); });
  router.add("PUT", "/users/{id}/local-id",
             [](const HttpRequest&, const RouteParams& p) { return HttpResponse(200, p[0]); });
  const auto me = router.match("GET", "/users/me");
  ASSERT_NE(me.handler, nullptr);
  const auto put = router.match("PUT", "/users/17/local-id");
  ASSERT_NE(put.handler, nullptr);
  EXPECT_EQ((*put.handler)(HttpRequest{}, put.params).body, "17");
  EXPECT_EQ(put.route, "/users/{id}/local-id");
  const auto wrong_method = router.match("DELETE", "/users/17/local-id");
  EXPECT_EQ(wrong_method.handler, nullptr);
  EXPECT_TRUE(wrong_method.path_exists);
  EXPECT_EQ(wrong_method.allowed_methods, std::vector<std::string>{"PUT"});
  const auto missing = router.match("GET", "/users//local-id");
  EXPECT_EQ(missing.handler, nullptr);
  EXPECT_FALSE(missing.path_exists);
}

TEST(Router, ErrorsAreJson) {
  const HttpResponse error = json_error(404, "no \"such\" thing");
  EXPECT_EQ(error.status, 404);
  EXPECT_EQ(error.body, R"({"error":"no \"such\" thing","code":404})");
}

}  // namespace
}  // namespace platform
