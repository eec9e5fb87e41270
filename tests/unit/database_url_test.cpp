#include "bosun/common/database_url.hpp"

#include <gtest/gtest.h>

namespace bosun {
namespace {

TEST(DatabaseUrl, PostgresWithEverything) {
  const auto url =
      parse_database_url("postgresql+psycopg2://app:s%40cr%3At@db.local:6543/shop?sslmode=disable");
  ASSERT_TRUE(url) << url.error();
  EXPECT_EQ(url->engine, DatabaseEngine::postgres);
  EXPECT_EQ(url->scheme, "postgresql+psycopg2");
  EXPECT_EQ(url->user, "app");
  EXPECT_EQ(url->password, "s@cr:t");
  EXPECT_EQ(url->host, "db.local");
  EXPECT_EQ(url->port, 6543);
  EXPECT_EQ(url->database, "shop");
  EXPECT_EQ(url->options.at("sslmode"), "disable");
  EXPECT_EQ(url->redacted(), "postgresql+psycopg2://app@db.local:6543/shop");
}

TEST(DatabaseUrl, DefaultPortsPerEngine) {
  EXPECT_EQ(parse_database_url("postgres://u@127.0.0.1/app")->port, 5432);
  EXPECT_EQ(parse_database_url("mysql+pymysql://u@127.0.0.1/app")->port, 3306);
  EXPECT_EQ(parse_database_url("mariadb://u@127.0.0.1/app")->engine, DatabaseEngine::mysql);
}

TEST(DatabaseUrl, SocketsInTheQuery) {
  const auto pg = parse_database_url("postgresql://app@/app?host=/run/postgresql");
  ASSERT_TRUE(pg) << pg.error();
  EXPECT_EQ(pg->socket, "/run/postgresql");
  EXPECT_EQ(pg->address(), "/run/postgresql");
  EXPECT_EQ(pg->redacted(), "postgresql://app@/app?host=/run/postgresql");
  const auto my =
      parse_database_url("mysql://app:pw@localhost/app?unix_socket=/run/mysqld/mysqld.sock");
  ASSERT_TRUE(my) << my.error();
  EXPECT_EQ(my->socket, "/run/mysqld/mysqld.sock");
}

TEST(DatabaseUrl, Ipv6Host) {
  const auto url = parse_database_url("postgres://app@[::1]:5433/app");
  ASSERT_TRUE(url) << url.error();
  EXPECT_EQ(url->host, "::1");
  EXPECT_EQ(url->address(), "[::1]:5433");
}

TEST(DatabaseUrl, ErrorsNeverRepeatThePassword) {
  for (const char* text :
       {"postgres://app:hunter2@db:99999/app", "postgres://app:hunter2@/app",
        "redis://app:hunter2@db/0", "postgres://app:hunter2@a,b/app",
        "mysql://app:hunter2@db/app?password=hunter2", "postgres://app:hun%zzter2@db/app"}) {
    const auto url = parse_database_url(text);
    ASSERT_FALSE(url) << text;
    EXPECT_EQ(url.error().find("hunter2"), std::string::npos) << url.error();
    EXPECT_EQ(url.error().find("not a usable database URL"), 0u) << url.error();
  }
}

TEST(DatabaseUrl, RecognisesOnlyDatabaseSchemes) {
  EXPECT_TRUE(is_database_url(" postgres://x@y/z"));
  EXPECT_TRUE(is_database_url("mysql+pymysql://x@y/z"));
  EXPECT_FALSE(is_database_url("redis://y:6379/0"));
  EXPECT_FALSE(is_database_url("sqlite:///data/app.db"));
}

}  // namespace
}  // namespace bosun
