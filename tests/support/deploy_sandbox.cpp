#include "deploy_sandbox.hpp"

#include <sqlite3.h>

#include <filesystem>
#include <sstream>

#include <Poco/JSON/Parser.h>

#include "http_client.hpp"
#include "platform_fixture.hpp"

namespace bosun::test {

namespace fs = std::filesystem;

DeploySandbox::DeploySandbox()
    : m_repo(m_source.path() + "/app"),
      m_redis_port(free_port()),
      m_http_port(free_port()),
      m_dead_port(free_port()) {
  m_agent.write_env_file("JWT_SECRET_KEY=" + k_test_jwt_secret + "\n");
}

std::string DeploySandbox::manifest(const FixtureOptions& options) const {
  const std::string bin = fs::path(PLATFORM_SERVER_BIN).parent_path().string();
  const std::string redis = std::to_string(m_redis_port);
  const std::string port = std::to_string(m_http_port);
  std::ostringstream yaml;
  yaml << "app: fixture\n"
       << "repo: " << m_repo.path() << "\n"
       << "keep_releases: 3\n"
       << "shared: [data]\n"
       << "env:\n"
       << "  DATABASE_URL: sqlite:///${shared}/data/app.db\n"
       << "  REDIS_URL: redis://127.0.0.1:" << redis << "\n"
       << "  PLATFORM_BIN: " << bin << "\n"
       << "build:\n"
       << "  - {sh: 'mkdir -p bin && cp \"$PLATFORM_BIN/platform-server\" "
          "\"$PLATFORM_BIN/platform-migrate\" bin/"
       << options.build_extra << "'}\n"
       << "database:\n"
       << "  kind: sqlite\n"
       << "  path: ${shared}/data/app.db\n"
       << "  migrate:\n"
       << "    up: {sh: '" << options.migrate_shell << "'}\n"
       << "    down: [bin/platform-migrate, down, --to, \"${version}\"]\n"
       << "    version: [bin/platform-migrate, status, --version]\n"
       << "services:\n"
       << "  redis:\n"
       << "    command: [redis-server, --port, \"" << redis
       << "\", --bind, 127.0.0.1, --save, \"\", --appendonly, \"no\"]\n"
       << "    cwd: ${shared}\n"  // kept across deploys
       << "    ready: {redis: {port: " << redis << "}, timeout: 10s}\n"
       << "  server:\n";
  if (options.server_shell.empty()) {
    yaml << "    command: [bin/platform-server]\n";
  } else {
    yaml << "    command: {sh: '" << options.server_shell << "'}\n";
  }
  yaml << "    env: {PORT: \"" << port << "\", BIND: 127.0.0.1, HANDOVER_GRACE_MS: \"100\"";
  if (options.bad_ready) {
    yaml << ", REDIS_URL: \"redis://127.0.0.1:" << m_dead_port << "\"";
  }
  yaml << "}\n"
       << "    depends_on: [redis]\n"
       // ${pid}: only the new instance's answer counts during an overlap start
       << "    ready: {http: {url: \"http://127.0.0.1:" << port
       << "/ready\", body_contains: '\"pid\":${pid}'}, timeout: 6s, interval: 200ms}\n"
       << "    deploy: overlap\n"
       << "    stop: {timeout: 5s}\n"
       << "verify:\n"
       << "  window: " << options.verify_window << "\n"
       << "  timeout: 10s\n"
       << "  checks:\n"
       << "    - http: {url: \"http://127.0.0.1:" << port << "/health\"}\n"
       << options.requires_yaml;
  return yaml.str();
}

std::string DeploySandbox::commit_version(const std::string& version,
                                          const FixtureOptions& options) {
  m_repo.write("app.yaml", manifest(options));
  m_repo.write("VERSION", version + "\n");
  return m_repo.commit_all("release " + version);
}

void DeploySandbox::start_agent() {
  m_agent.start_agent({"--repo", m_repo.path(), "--host", "test-host"});
}

CliRun DeploySandbox::deploy(const std::string& commit, const std::vector<std::string>& extra) {
  std::vector<std::string> args{"deploy", "--root", root(),   "--commit",
                                commit,   "--who",  "tester", "--json"};
  args.insert(args.end(), extra.begin(), extra.end());
  // Bounded by progress, not wall time: a deploy that compiles takes what the machine needs.
  return m_agent.cli_while_progressing(args);
}

CliRun DeploySandbox::rollback(const std::vector<std::string>& extra) {
  std::vector<std::string> args{"rollback", "--root", root(), "--who", "tester", "--json"};
  args.insert(args.end(), extra.begin(), extra.end());
  return m_agent.cli(args, std::chrono::seconds(120));
}

std::string DeploySandbox::serving_revision() {
  try {
    const HttpResult result = http(m_http_port, "GET", "/health");
    if (result.status != 200) {
      return "";
    }
    return result.json()->getValue<std::string>("revision");
  } catch (const std::exception&) {
    return "";
  }
}

void DeploySandbox::add_users(int count, const std::string& prefix) {
  for (int i = 0; i < count; ++i) {
    const std::string body = R"({"email":")" + prefix + std::to_string(i) +
                             R"(@example.com","password":"correct-horse-battery"})";
    const HttpResult result = http(m_http_port, "POST", "/auth/register", body);
    if (result.status != 201 && result.status != 200) {
      throw std::runtime_error("register failed: " + std::to_string(result.status) + " " +
                               result.body);
    }
  }
}

std::string DeploySandbox::users_fingerprint() const {
  sqlite3* db = nullptr;
  if (::sqlite3_open_v2(database_path().c_str(), &db, SQLITE_OPEN_READONLY, nullptr) != SQLITE_OK) {
    ::sqlite3_close(db);
    return "unreadable";
  }
  sqlite3_stmt* query = nullptr;
  ::sqlite3_prepare_v2(
      db,
      "SELECT count(*), COALESCE(sum(length(email) * id), 0) || ':' || group_concat(email, ',')"
      " FROM (SELECT id, email FROM users ORDER BY id)",
      -1, &query, nullptr);
  std::string fingerprint = "none";
  if (query != nullptr && ::sqlite3_step(query) == SQLITE_ROW) {
    const auto* text = ::sqlite3_column_text(query, 1);
    fingerprint = std::to_string(::sqlite3_column_int64(query, 0)) + ":" +
                  (text != nullptr ? reinterpret_cast<const char*>(text) : "");
  }
  ::sqlite3_finalize(query);
  ::sqlite3_close(db);
  return fingerprint;
}

std::vector<Poco::JSON::Object::Ptr> parse_events(const std::string& output) {
  std::vector<Poco::JSON::Object::Ptr> events;
  std::istringstream lines(output);
  std::string line;
  while (std::getline(lines, line)) {
    if (!line.starts_with("{")) {
      continue;
    }
    try {
      Poco::JSON::Parser parser;
      events.push_back(parser.parse(line).extract<Poco::JSON::Object::Ptr>());
    } catch (const std::exception&) {
      // not an event line
    }
  }
  return events;
}

std::vector<std::string> step_outcomes(const std::string& output) {
  std::vector<std::string> steps;
  for (const auto& event : parse_events(output)) {
    if (event->optValue<std::string>("type", "") == "step-finished") {
      steps.push_back(event->getValue<std::string>("step") + ":" +
                      event->getValue<std::string>("outcome"));
    }
  }
  return steps;
}

std::string run_result(const std::string& output) {
  for (const auto& event : parse_events(output)) {
    if (event->optValue<std::string>("type", "") == "run-finished") {
      return event->getValue<std::string>("outcome");
    }
  }
  return "";
}

}  // namespace bosun::test
