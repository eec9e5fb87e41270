// The bundled platform deployed from source, end to end: a git repository with the
// platform's own sources, built on "the host" (ccache keeps rebuilds of the same sources
// fast), v1 -> v2 (adds the local_id migration) -> v3 (bad: /ready fails; adds a migration)
// rolled back automatically with its schema, a build failure that leaves v2 serving, a manual
// rollback to v1 that migrates down keeping every row, and a migration marked irreversible.

#include <sqlite3.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include <gtest/gtest.h>

#include "deploy_sandbox.hpp"
#include "http_client.hpp"
#include "platform_fixture.hpp"

namespace bosun::test {
namespace {

namespace fs = std::filesystem;

long long schema_version(const std::string& database) {
  sqlite3* db = nullptr;
  ::sqlite3_open_v2(database.c_str(), &db, SQLITE_OPEN_READONLY, nullptr);
  sqlite3_stmt* query = nullptr;
  ::sqlite3_prepare_v2(db, "SELECT COALESCE(MAX(version), 0) FROM schema_migrations", -1, &query,
                       nullptr);
  long long version = -1;
  if (query != nullptr && ::sqlite3_step(query) == SQLITE_ROW) {
    version = ::sqlite3_column_int64(query, 0);
  }
  ::sqlite3_finalize(query);
  ::sqlite3_close(db);
  return version;
}

std::string ccache_dir() {
  if (const char* dir = std::getenv("CCACHE_DIR")) {
    return dir;
  }
  const char* home = std::getenv("HOME");
  return std::string(home != nullptr ? home : "/tmp") + "/.cache/ccache";
}

class PlatformRepo {
 public:
  PlatformRepo(GitRepo& repo, unsigned short http_port, unsigned short redis_port)
      : m_repo(repo), m_http_port(http_port), m_redis_port(redis_port) {}

  // The platform's sources without the migrations from `first_missing` on. Before 4 the
  // code does not read users.local_id either (as the platform was before that migration).
  void copy_platform(int first_missing) {
    const fs::path source = fs::path(BOSUN_SOURCE_DIR) / "platform";
    const fs::path target = fs::path(m_repo.path()) / "platform";
    fs::remove_all(target);
    fs::copy(source, target, fs::copy_options::recursive);
    for (const auto& entry : fs::directory_iterator(target / "migrations")) {
      if (std::stoi(entry.path().filename().string().substr(0, 4)) >= first_missing) {
        fs::remove(entry.path());
      }
    }
    if (first_missing <= 4) {
      const fs::path store = target / "src/core/user_store.cpp";
      std::ifstream in(store);
      std::stringstream text;
      text << in.rdbuf();
      std::string code = text.str();
      const std::string column = "role, local_id FROM users";
      const auto at = code.find(column);
      ASSERT_NE(at, std::string::npos) << "user_store.cpp changed: update this test";
      code.replace(at, column.size(), "role, NULL FROM users");
      std::ofstream(store) << code;
    }
  }

  std::string manifest(bool bad_ready, const std::string& irreversible) const {
    const std::string port = std::to_string(m_http_port);
    const std::string redis = std::to_string(m_redis_port);
    std::ostringstream yaml;
    yaml << "app: platform\n"
         << "repo: " << m_repo.path() << "\n"
         << "shared: [data]\n"
         << "env:\n"
         << "  DATABASE_URL: sqlite:///${shared}/data/app.db\n"
         << "  REDIS_URL: redis://127.0.0.1:" << redis << "\n"
         << "  CCACHE_DIR: " << ccache_dir() << "\n"
         << "  CCACHE_BASEDIR: ${root}/releases\n"
         << "build:\n"
         << "  - [cmake, -S, platform, -B, build, -G, Ninja, -DCMAKE_BUILD_TYPE=Release,\n"
         << "     -DCMAKE_CXX_COMPILER_LAUNCHER=ccache]\n"
         << "  - [cmake, --build, build, -j2]\n"
         << "database:\n"
         << "  kind: sqlite\n"
         << "  path: ${shared}/data/app.db\n"
         << "  migrate:\n"
         << "    up: [build/platform-migrate, up]\n"
         << "    down: [build/platform-migrate, down, --to, \"${version}\"]\n"
         << "    version: [build/platform-migrate, status, --version]\n"
         << irreversible << "services:\n"
         << "  redis:\n"
         << "    command: [redis-server, --port, \"" << redis
         << "\", --bind, 127.0.0.1, --save, \"\", --appendonly, \"no\"]\n"
         << "    cwd: ${shared}\n"
         << "    ready: {redis: {port: " << redis << "}, timeout: 10s}\n"
         << "  server:\n"
         << "    command: [build/platform-server]\n"
         << "    env: {PORT: \"" << port << "\", BIND: 127.0.0.1, HANDOVER_GRACE_MS: \"100\"";
    if (bad_ready) {
      yaml << ", REDIS_URL: \"redis://127.0.0.1:" << free_port() << "\"";
    }
    yaml << "}\n"
         << "    depends_on: [redis]\n"
         << "    ready: {http: {url: \"http://127.0.0.1:" << port
         << "/ready\", body_contains: '\"pid\":${pid}'}, timeout: 6s, interval: 200ms}\n"
         << "    deploy: overlap\n"
         << "verify:\n"
         << "  window: 1s\n"
         << "  checks:\n"
         << "    - http: {url: \"http://127.0.0.1:" << port << "/ready\"}\n";
    return yaml.str();
  }

  std::string commit(const std::string& message, bool bad_ready = false,
                     const std::string& irreversible = "") {
    m_repo.write("app.yaml", manifest(bad_ready, irreversible));
    return m_repo.commit_all(message);
  }

 private:
  GitRepo& m_repo;
  unsigned short m_http_port;
  unsigned short m_redis_port;
};

TEST(PlatformDeploy, ThroughV1V2BadV3BrokenBuildAndBackToV1) {
  DeploySandbox sandbox;
  PlatformRepo platform(sandbox.repo(), sandbox.http_port(), free_port());
  sandbox.start_agent();
  const std::string database = sandbox.database_path();

  // v1: three migrations.
  platform.copy_platform(4);
  const std::string v1 = platform.commit("v1");
  const CliRun first = sandbox.deploy(v1);
  ASSERT_EQ(first.code, 0) << first.output;
  EXPECT_EQ(schema_version(database), 3);
  EXPECT_EQ(sandbox.serving_revision(), v1);
  const std::string v1_release = fs::read_symlink(sandbox.root() + "/current").filename();
  sandbox.add_users(5, "learner-");
  const std::string rows = sandbox.users_fingerprint();
  ASSERT_EQ(rows.substr(0, 2), "5:");

  // v2: adds local_id; migrates 3 -> 4 and serves.
  platform.copy_platform(5);
  const std::string v2 = platform.commit("v2: users.local_id");
  const CliRun second = sandbox.deploy(v2);
  ASSERT_EQ(second.code, 0) << second.output;
  EXPECT_NE(second.output.find("schema 3 -> 4"), std::string::npos) << second.output;
  EXPECT_EQ(schema_version(database), 4);
  EXPECT_EQ(sandbox.serving_revision(), v2);
  EXPECT_EQ(http(sandbox.http_port(), "GET", "/ready").status, 200);
  EXPECT_EQ(sandbox.users_fingerprint(), rows);

  // v3: a new migration and a server whose /ready fails: rolled back, schema included.
  sandbox.repo().write("platform/migrations/0005_flags.up.sql",
                       "CREATE TABLE flags (name TEXT PRIMARY KEY, enabled INTEGER NOT NULL);\n");
  sandbox.repo().write("platform/migrations/0005_flags.down.sql", "DROP TABLE flags;\n");
  const std::string v3 = platform.commit("v3: flags, but Redis unreachable", true);
  const CliRun third = sandbox.deploy(v3);
  EXPECT_EQ(third.code, 1) << third.output;
  EXPECT_EQ(run_result(third.output), "rolled-back") << third.output;
  EXPECT_NE(third.output.find("schema 4 -> 5"), std::string::npos) << third.output;
  EXPECT_NE(third.output.find("migrated down from 5 to 4"), std::string::npos) << third.output;
  EXPECT_EQ(schema_version(database), 4);
  EXPECT_EQ(sandbox.serving_revision(), v2);
  EXPECT_EQ(sandbox.users_fingerprint(), rows);

  // A build failure leaves v2 serving, untouched.
  sandbox.repo().write("platform/src/server/main.cpp", "this is not C++\n");
  const std::string v4 = platform.commit("v4: does not compile");
  const int server_pid = sandbox.agent().pid_of("server");
  const CliRun fourth = sandbox.deploy(v4);
  EXPECT_EQ(fourth.code, 1) << fourth.output;
  EXPECT_EQ(run_result(fourth.output), "failed");
  EXPECT_NE(fourth.output.find("build command `cmake --build build -j2`"), std::string::npos)
      << fourth.output;
  EXPECT_EQ(sandbox.agent().pid_of("server"), server_pid);
  EXPECT_EQ(sandbox.serving_revision(), v2);

  // Manual rollback to v1: down to 3 with v2's scripts, every row kept.
  const CliRun back = sandbox.rollback({"--to", v1.substr(0, 10)});
  ASSERT_EQ(back.code, 0) << back.output;
  EXPECT_NE(back.output.find("migrated down from 4 to 3"), std::string::npos) << back.output;
  EXPECT_EQ(schema_version(database), 3);
  EXPECT_EQ(sandbox.serving_revision(), v1);
  EXPECT_EQ(http(sandbox.http_port(), "GET", "/ready").status, 200);
  EXPECT_EQ(sandbox.users_fingerprint(), rows);

  // v2 again, now declaring migration 4 irreversible: going back to v1 is refused...
  sandbox.repo().git({"checkout", "-q", v2, "--", "platform"});
  const std::string v5 =
      platform.commit("v5: v2 with local_id irreversible", false, "  irreversible: [4]\n");
  ASSERT_EQ(sandbox.deploy(v5).code, 0);
  const CliRun refused = sandbox.rollback({"--to", v1_release});
  EXPECT_EQ(refused.code, 2) << refused.output;
  EXPECT_NE(refused.output.find("migration 4 is marked irreversible"), std::string::npos)
      << refused.output;
  EXPECT_NE(refused.output.find("--db restore --force"), std::string::npos) << refused.output;
  EXPECT_EQ(sandbox.serving_revision(), v5);
  // ... unless forced with the backup.
  const CliRun restored = sandbox.rollback({"--to", v1_release, "--db", "restore", "--force"});
  ASSERT_EQ(restored.code, 0) << restored.output;
  EXPECT_NE(restored.output.find("restored"), std::string::npos) << restored.output;
  EXPECT_EQ(schema_version(database), 3);
  EXPECT_EQ(sandbox.serving_revision(), v1);
  EXPECT_EQ(sandbox.users_fingerprint(), rows);
}

}  // namespace
}  // namespace bosun::test
