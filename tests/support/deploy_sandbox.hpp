#pragma once
// Test support for deploys: a real agent on a temporary root (waiting for its first deploy),
// a real git repository to deploy from, and a fixture app whose "build" copies the bundled
// platform's built binaries into the release (fast), served by platform-server behind a real
// redis-server, with a real SQLite database migrated by platform-migrate.

#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include <Poco/JSON/Object.h>

#include "agent_fixture.hpp"
#include "git_repo.hpp"

namespace bosun::test {

struct FixtureOptions {
  std::string build_extra;  // shell appended to the build line, e.g. " && exit 3"
  std::string migrate_shell = "bin/platform-migrate up";  // the migrate.up shell line
  std::string server_shell;  // replaces the server command (a shell line) when set
  bool bad_ready = false;    // the server gets a Redis URL where nobody listens: /ready 503
  std::string verify_window = "1s";
  std::string requires_yaml;  // a `requires:` block, verbatim
};

class DeploySandbox {
 public:
  DeploySandbox();

  AgentSandbox& agent() { return m_agent; }
  GitRepo& repo() { return m_repo; }
  const std::string& root() const { return m_agent.root(); }
  unsigned short http_port() const { return m_http_port; }

  std::string manifest(const FixtureOptions& options) const;
  // Commits app.yaml for `options` and VERSION = `version`; returns the sha.
  std::string commit_version(const std::string& version, const FixtureOptions& options = {});

  // Starts the agent with no release yet (it waits for its first deploy).
  void start_agent();
  // `bosun-agent deploy --commit SHA --json` (plus `extra`), waiting for it to end.
  CliRun deploy(const std::string& commit, const std::vector<std::string>& extra = {});
  CliRun rollback(const std::vector<std::string>& extra = {});

  // The REVISION the server reports on /health; empty when it does not answer.
  std::string serving_revision();
  // Registers `count` users through the API.
  void add_users(int count, const std::string& prefix);
  // "N:checksum" of the users table, read straight from the database.
  std::string users_fingerprint() const;
  std::string database_path() const { return root() + "/shared/data/app.db"; }

 private:
  AgentSandbox m_agent;
  TempDir m_source;
  GitRepo m_repo;
  unsigned short m_redis_port;
  unsigned short m_http_port;
  unsigned short m_dead_port;
};

// The JSON-lines events of a `--json` run, in order.
std::vector<Poco::JSON::Object::Ptr> parse_events(const std::string& output);
// "step:outcome" for every step-finished event.
std::vector<std::string> step_outcomes(const std::string& output);
// The run-finished event's outcome ("succeeded", "rolled-back", ...); empty if none.
std::string run_result(const std::string& output);

}  // namespace bosun::test
