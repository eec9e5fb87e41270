#pragma once
// The deploy's backup step for SQLite: a consistent copy taken with SQLite's online backup
// API while the app keeps running, and its restore.

#include <string>

namespace bosun::agent::database {

// Copies the database at `source` into `destination` (created or replaced) page by page,
// consistent even while other connections write. Throws std::runtime_error naming the file.
void backup_sqlite(const std::string& source, const std::string& destination);

// Puts the backup at `backup` back over `database`, through SQLite (so readers holding the
// database open see a consistent switch, and the WAL is respected).
void restore_sqlite(const std::string& backup, const std::string& database);

}  // namespace bosun::agent::database
