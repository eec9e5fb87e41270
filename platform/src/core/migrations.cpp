#include "core/migrations.hpp"

#include <algorithm>
#include <stdexcept>

#include "core/sqlite_db.hpp"

namespace platform {
namespace {

// Table rebuilds (DROP TABLE users) must not cascade into dependent rows, so foreign keys
// are off while migrating and checked before each commit instead.
class ForeignKeysOff {
 public:
  explicit ForeignKeysOff(Database& db) : m_db(db) { m_db.exec("PRAGMA foreign_keys=OFF"); }
  ~ForeignKeysOff() {
    try {
      m_db.exec("PRAGMA foreign_keys=ON");
    } catch (const DatabaseError&) {
      // The connection is closing anyway; nothing more to restore.
    }
  }
  ForeignKeysOff(const ForeignKeysOff&) = delete;
  ForeignKeysOff& operator=(const ForeignKeysOff&) = delete;

 private:
  Database& m_db;
};

void check_foreign_keys(Database& db, int version) {
  auto check = db.prepare("PRAGMA foreign_key_check");
  if (check.step()) {
    throw DatabaseError("migration " + std::to_string(version) +
                        " leaves a broken foreign key in table " + check.column_text(0));
  }
}

}  // namespace

Migrator::Migrator(Database& db, const std::vector<Migration>& migrations)
    : m_db(db), m_migrations(migrations) {}

void Migrator::ensure_table() {
  m_db.exec(
      "CREATE TABLE IF NOT EXISTS schema_migrations ("
      " version INTEGER PRIMARY KEY,"
      " name TEXT NOT NULL,"
      " applied_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')))");
}

const Migration* Migrator::find(int version) const {
  for (const Migration& migration : m_migrations) {
    if (migration.version == version) {
      return &migration;
    }
  }
  return nullptr;
}

int Migrator::expected_version() const {
  return m_migrations.empty() ? 0 : m_migrations.back().version;
}

bool Migrator::has_table() {
  auto query = m_db.prepare(
      "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'schema_migrations'");
  return query.step();
}

int Migrator::current_version() {
  if (!has_table()) {
    return 0;  // reading must not write: /ready calls this
  }
  auto query = m_db.prepare("SELECT COALESCE(MAX(version), 0) FROM schema_migrations");
  query.step();
  return static_cast<int>(query.column_int(0));
}

std::vector<AppliedMigration> Migrator::applied() {
  std::vector<AppliedMigration> rows;
  if (!has_table()) {
    return rows;
  }
  auto query =
      m_db.prepare("SELECT version, name, applied_at FROM schema_migrations ORDER BY version");
  while (query.step()) {
    rows.push_back(
        {static_cast<int>(query.column_int(0)), query.column_text(1), query.column_text(2)});
  }
  return rows;
}

std::vector<int> Migrator::up(int target) {
  ensure_table();
  const ForeignKeysOff foreign_keys_off(m_db);
  std::vector<int> done;
  for (const Migration& migration : m_migrations) {
    if (target >= 0 && migration.version > target) {
      break;
    }
    Transaction transaction(m_db);
    auto seen = m_db.prepare("SELECT 1 FROM schema_migrations WHERE version = ?");
    seen.bind(1, static_cast<std::int64_t>(migration.version));
    if (seen.step()) {
      continue;  // already applied; the transaction rolls back having done nothing
    }
    m_db.exec(migration.up_sql);
    check_foreign_keys(m_db, migration.version);
    auto record = m_db.prepare("INSERT INTO schema_migrations (version, name) VALUES (?, ?)");
    record.bind(1, static_cast<std::int64_t>(migration.version)).bind(2, migration.name).run();
    transaction.commit();
    done.push_back(migration.version);
  }
  return done;
}

std::vector<int> Migrator::down_to(int target) {
  if (target < 0) {
    throw std::invalid_argument("the target version must be 0 or more");
  }
  ensure_table();
  const ForeignKeysOff foreign_keys_off(m_db);
  std::vector<int> done;
  auto rows = applied();
  std::reverse(rows.begin(), rows.end());
  for (const AppliedMigration& row : rows) {
    if (row.version <= target) {
      break;
    }
    const Migration* migration = find(row.version);
    if (migration == nullptr) {
      throw DatabaseError("migration " + std::to_string(row.version) + " (" + row.name +
                          ") is not known to this build; migrate down with the release that "
                          "applied it");
    }
    Transaction transaction(m_db);
    m_db.exec(migration->down_sql);
    check_foreign_keys(m_db, migration->version);
    auto forget = m_db.prepare("DELETE FROM schema_migrations WHERE version = ?");
    forget.bind(1, static_cast<std::int64_t>(migration->version)).run();
    transaction.commit();
    done.push_back(migration->version);
  }
  return done;
}

}  // namespace platform
