#pragma once
// Schema migrations compiled into the binary (platform/migrations/NNNN_name.{up,down}.sql).
// Each migration runs in one transaction and is recorded in schema_migrations.

#include <cstdint>
#include <string>
#include <vector>

namespace platform {

class Database;

struct Migration {
  int version;
  std::string name;
  std::string up_sql;
  std::string down_sql;
};

// All migrations of this build, in version order (generated at build time).
const std::vector<Migration>& embedded_migrations();

struct AppliedMigration {
  int version;
  std::string name;
  std::string applied_at;
};

class Migrator {
 public:
  Migrator(Database& db, const std::vector<Migration>& migrations);

  // The version this build expects: the highest migration it carries.
  int expected_version() const;
  // The highest applied version, 0 for an empty database.
  int current_version();
  std::vector<AppliedMigration> applied();

  // Applies every pending migration up to `target` (default: all). Returns those applied.
  std::vector<int> up(int target = -1);
  // Reverts applied migrations above `target`, newest first. Throws when an applied
  // migration is unknown to this build (its down script is in a newer release).
  std::vector<int> down_to(int target);

 private:
  void ensure_table();
  bool has_table();
  const Migration* find(int version) const;

  Database& m_db;
  const std::vector<Migration>& m_migrations;
};

}  // namespace platform
