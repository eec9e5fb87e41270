#pragma once
// The record of deploys and rollbacks in ROOT/state.db: each run with who asked, the commit,
// every step journaled before it starts and after it ends (with its duration and outcome),
// and the result. A run without an end is an interrupted one: the agent finishes or undoes it
// when it starts. `bosun-agent history` reads it.

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace bosun::agent::state {

class SqliteConnection;

struct StepRecord {
  std::string name;
  std::int64_t started_unix_ms = 0;
  std::optional<std::int64_t> finished_unix_ms;  // empty while running or when interrupted
  std::string outcome;                           // ok | failed | skipped; empty while running
  std::string detail;
};

struct RunRecord {
  std::int64_t id = 0;
  std::string kind;  // deploy | rollback
  std::string who;   // passed by the controller, e.g. "alice@laptop"
  std::string commit;
  std::string release;   // release id, once checked out (rollback: the target)
  std::string previous;  // the release that was live when the run began
  std::string options;   // what the run was asked, e.g. "db=down window=0s"
  std::int64_t started_unix_ms = 0;
  std::optional<std::int64_t> finished_unix_ms;
  std::string result;  // succeeded | failed | rolled-back; empty while running
  std::string reason;
  std::vector<StepRecord> steps;
};

class DeployJournal {
 public:
  // One connection for the journal's lifetime (a deploy writes two rows per step).
  explicit DeployJournal(const std::string& state_db);
  ~DeployJournal();
  DeployJournal(const DeployJournal&) = delete;
  DeployJournal& operator=(const DeployJournal&) = delete;

  std::int64_t begin(const std::string& kind, const std::string& who, const std::string& commit);
  void set_release(std::int64_t run, const std::string& release);
  void set_commit(std::int64_t run, const std::string& commit);
  void set_previous(std::int64_t run, const std::string& previous, const std::string& options);
  void step_started(std::int64_t run, const std::string& step);
  void step_finished(std::int64_t run, const std::string& step, const std::string& outcome,
                     const std::string& detail);
  void finish(std::int64_t run, const std::string& result, const std::string& reason);

  // Newest first.
  std::vector<RunRecord> history(std::size_t limit);
  // Runs that began and never finished (the agent died in the middle), oldest first.
  std::vector<RunRecord> interrupted();

 private:
  std::unique_ptr<SqliteConnection> m_db;
};

}  // namespace bosun::agent::state
