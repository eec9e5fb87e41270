#include "database/schema_fingerprint.hpp"

#include <sqlite3.h>

#include <filesystem>

namespace bosun::agent::database {

std::optional<SchemaFingerprint> schema_fingerprint(const manifest::Database& database,
                                                    const std::string& sqlite_path) {
  if (database.kind != manifest::DatabaseKind::sqlite) {
    return std::nullopt;
  }
  if (!std::filesystem::exists(sqlite_path)) {
    return SchemaFingerprint{};
  }
  sqlite3* db = nullptr;
  if (::sqlite3_open_v2(sqlite_path.c_str(), &db, SQLITE_OPEN_READONLY, nullptr) != SQLITE_OK) {
    ::sqlite3_close(db);
    return std::nullopt;
  }
  ::sqlite3_busy_timeout(db, 5000);
  sqlite3_stmt* query = nullptr;
  std::optional<SchemaFingerprint> fingerprint;
  if (::sqlite3_prepare_v2(db,
                           "SELECT type, name, COALESCE(sql, '') FROM sqlite_master"
                           " WHERE name NOT LIKE 'sqlite_%' ORDER BY type, name",
                           -1, &query, nullptr) == SQLITE_OK) {
    fingerprint.emplace();
    const auto text = [&](int column) {
      const auto* value = ::sqlite3_column_text(query, column);
      return value != nullptr ? std::string(reinterpret_cast<const char*>(value)) : std::string();
    };
    int status = SQLITE_ROW;
    while ((status = ::sqlite3_step(query)) == SQLITE_ROW) {
      (*fingerprint)[text(0) + " " + text(1)] = text(2);
    }
    if (status != SQLITE_DONE) {
      fingerprint.reset();
    }
  }
  ::sqlite3_finalize(query);
  ::sqlite3_close(db);
  return fingerprint;
}

std::vector<std::string> schema_differences(const SchemaFingerprint& before,
                                            const SchemaFingerprint& after) {
  std::vector<std::string> differences;
  for (const auto& [name, definition] : after) {
    const auto old = before.find(name);
    if (old == before.end()) {
      differences.push_back("added " + name);
    } else if (old->second != definition) {
      differences.push_back("changed " + name);
    }
  }
  for (const auto& [name, definition] : before) {
    if (after.find(name) == after.end()) {
      differences.push_back("dropped " + name);
    }
  }
  return differences;
}

}  // namespace bosun::agent::database
