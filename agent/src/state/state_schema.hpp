#pragma once
// ROOT/state.db's one schema: every table the agent keeps there (the supervisor's event
// journal, the deploy journal, the release ledger, the deploy lock), with a version in
// `PRAGMA user_version` and the forward migrations from each earlier version. Every store
// opens the file through open_state_db(), so an agent upgraded on a host migrates the state
// its predecessor left before it reads any of it.

#include <string>

namespace bosun::agent::state {

class SqliteConnection;

// The version this agent writes. 1: the tables of the agents before versions were kept;
// 2: the release ledger's schema versions as text, and its record of restored backups.
inline constexpr int k_state_schema_version = 2;

// Brings the database at `path` to k_state_schema_version (creating it when new), in one
// transaction. Throws std::runtime_error naming the file when it was written by a newer agent
// (a downgrade: its state is not understood) or cannot be migrated.
void migrate_state_db(const std::string& path);

// migrate_state_db, then a connection whose errors start with `what` ("release ledger").
SqliteConnection open_state_db(const std::string& path, const std::string& what);

// The version recorded in the file (0: none, as before versions were kept).
int state_schema_version(const std::string& path);

}  // namespace bosun::agent::state
