#pragma once
// What the agent knows about each release beyond its directory: the state it reached
// (built, live, good once verified, failed with the reason, discarded), the manifest it was
// deployed with, the schema version it runs at and its pre-deploy backup. Lives in
// ROOT/state.db next to the deploy journal, so rollbacks and crash recovery can find the
// last good release and the version to migrate down to.

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace bosun::agent::state {

class SqliteConnection;

enum class ReleaseState { built, live, good, failed, discarded };
std::string to_string(ReleaseState state);

struct ReleaseRecord {
  std::string id;
  std::string commit;
  std::string manifest;  // path of app.yaml inside the release
  ReleaseState state = ReleaseState::built;
  std::string reason;                      // why it failed
  std::optional<std::string> schema;       // the schema version it runs at, after its migrate
  std::optional<std::string> schema_from;  // the version before its migrate ("": none yet)
  std::string backup;                      // the database copy taken before its migrate
  std::int64_t created_unix_ms = 0;
  std::optional<std::int64_t> verified_unix_ms;  // when it last passed verify
  // When a rollback or an undone migrate put a backup back while this release was live:
  // which one, when it was taken, and that writes after it are gone.
  std::string restored{};
};

class ReleaseLedger {
 public:
  // One connection for the ledger's lifetime.
  explicit ReleaseLedger(const std::string& state_db);
  ~ReleaseLedger();
  ReleaseLedger(const ReleaseLedger&) = delete;
  ReleaseLedger& operator=(const ReleaseLedger&) = delete;

  void add(const ReleaseRecord& record);
  void set_state(const std::string& id, ReleaseState state, const std::string& reason);
  void set_schema(const std::string& id, const std::optional<std::string>& from,
                  const std::optional<std::string>& to);
  void set_backup(const std::string& id, const std::string& backup);
  void set_restored(const std::string& id, const std::string& restored);
  // Marks the release good (verified now).
  void mark_verified(const std::string& id);

  std::optional<ReleaseRecord> find(const std::string& id);
  // Oldest first.
  std::vector<ReleaseRecord> all();
  // The most recently verified release other than `except`, still good (not failed since).
  std::optional<ReleaseRecord> last_good(const std::string& except);

 private:
  std::unique_ptr<SqliteConnection> m_db;
};

}  // namespace bosun::agent::state
