#pragma once
// The database side of deploys and rollbacks: the pre-migrate backup, and putting the schema
// back to a recorded version — with the down scripts of the release being left (only it
// knows how to undo its migrations) or, when that fails or is asked for, from the backup.

#include <map>
#include <optional>
#include <string>

#include "bosun/manifest/model.hpp"
#include "database/command_site.hpp"
#include "database/schema_fingerprint.hpp"
#include "database/schema_version.hpp"
#include "deploy/deploy_actions.hpp"

namespace bosun::agent::database {

// SQLite: the online backup API into `backup_path`; other engines: the manifest's backup
// command with BOSUN_BACKUP_PATH set. Skipped when there is no database (yet).
deploy::StepResult take_backup(const manifest::Database& database, const std::string& backup_path,
                               const CommandSite& site);

// Puts `backup_path` back (SQLite restore, or the restore command with BOSUN_BACKUP_PATH).
deploy::StepResult restore_backup(const manifest::Database& database,
                                  const std::string& backup_path, const CommandSite& site);

enum class SchemaUndo { down, restore, down_then_restore };

// How the manifest says to undo migrations (database.rollback), except that a migration
// marked irreversible between `target` and `reached` can only be undone by the backup.
SchemaUndo automatic_undo(const manifest::Database& database, const SchemaVersion& target,
                          const SchemaVersion& reached);

// Brings the schema back to `target` using the leaving release's database settings and
// commands (`leaving`), or the backup. Ok without change when already there.
deploy::StepResult undo_schema(const manifest::Database& database, const SchemaVersion& target,
                               SchemaUndo how, const std::string& backup_path,
                               const CommandSite& leaving);

// After a failed migrate.up: back to `from` (down when the version moved), then proven: the
// version is `from` again and the schema equals `before` (where bosun can read it). When it
// is not, or cannot be compared, the pre-migrate backup is restored and checked the same way;
// "already at version N" alone is not taken as evidence that nothing changed.
deploy::StepResult undo_failed_migrate(const manifest::Database& database,
                                       const SchemaVersion& from,
                                       const std::optional<SchemaFingerprint>& before,
                                       const std::string& backup_path, const CommandSite& site);

SchemaVersion schema_version(const manifest::Database& database, const CommandSite& site);

// SQLite: creates the folder of `database.path` (bosun knows it; sqlite3 fails with "unable to
// open database file" without it). Returns the folder made, or "" when nothing was needed.
std::string make_database_folder(const manifest::Database& database, const CommandSite& site);
std::optional<SchemaFingerprint> schema_of(const manifest::Database& database,
                                           const CommandSite& site);

}  // namespace bosun::agent::database
