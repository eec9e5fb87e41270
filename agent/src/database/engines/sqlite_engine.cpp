// SQLite, which bosun reads and copies itself: the database file's folder made before the
// first migration, the online backup API for a consistent copy while the app writes, restore
// through SQLite, and the schema from sqlite_master.
#include <filesystem>

#include "bosun/manifest/variables.hpp"
#include "database/database_backup.hpp"
#include "database/engines/engines.hpp"
#include "release/hand_over.hpp"

namespace bosun::agent::database::engines {

namespace {

std::string database_file(const manifest::Database& database, const CommandSite& site) {
  auto expanded = manifest::expand_variables(database.path, site.variables);
  return expanded ? *expanded : database.path;
}

class SqliteEngine final : public Engine {
 public:
  std::string backup_extension() const override { return "db"; }

  std::string prepare(const manifest::Database& database, const CommandSite& site) const override {
    if (database.path.empty()) {
      return "";
    }
    const std::filesystem::path folder =
        std::filesystem::path(database_file(database, site)).parent_path();
    std::error_code error;
    if (folder.empty() || std::filesystem::exists(folder, error)) {
      return "";
    }
    std::filesystem::create_directories(folder, error);
    if (error) {
      return "";
    }
    release::hand_over_to_user(folder, site.user);  // the migration creates the file in it
    return folder.string();
  }

  std::optional<deploy::StepResult> backup(const manifest::Database& database,
                                           const std::string& backup_path,
                                           const CommandSite& site) const override {
    const std::string path = database_file(database, site);
    if (!std::filesystem::exists(path)) {
      return deploy::StepResult::skipped("no database at " + path + " yet");
    }
    try {
      backup_sqlite(path, backup_path);
    } catch (const std::exception& error) {
      return deploy::StepResult::failed(error.what());
    }
    return deploy::StepResult::ok("SQLite online backup of " + path + " to " + backup_path);
  }

  std::optional<deploy::StepResult> restore(const manifest::Database& database,
                                            const std::string& backup_path,
                                            const CommandSite& site) const override {
    const std::string path = database_file(database, site);
    try {
      restore_sqlite(backup_path, path);
      release::hand_over_to_user(path, site.user);  // when the restore had to create it
    } catch (const std::exception& error) {
      return deploy::StepResult::failed(error.what());
    }
    return deploy::StepResult::ok("restored " + path + " from " + backup_path);
  }

  std::optional<SchemaFingerprint> schema(const manifest::Database& database,
                                          const CommandSite& site) const override {
    return schema_fingerprint(database, database_file(database, site));
  }
};

}  // namespace

const Engine& sqlite_engine() {
  static const SqliteEngine engine;
  return engine;
}

}  // namespace bosun::agent::database::engines
