#include "schema_actions.hpp"

#include <filesystem>

#include "bosun/manifest/variables.hpp"
#include "database_backup.hpp"
#include "migrate_step.hpp"

namespace bosun::agent {
namespace {

MigrateContext context_of(const CommandSite& site) {
  MigrateContext context;
  context.release_dir = site.release_dir;
  context.env = site.env;
  context.log_path = site.log_path;
  context.variables = site.variables;
  context.pid_record = site.pid_record;
  return context;
}

std::string sqlite_path(const manifest::Database& database, const CommandSite& site) {
  auto expanded = manifest::expand_variables(database.path, site.variables);
  return expanded ? *expanded : database.path;
}

StepResult run_backup_command(const manifest::Command& command, const std::string& backup_path,
                              const CommandSite& site, const std::string& what) {
  std::map<std::string, std::string> env = site.env;
  env["BOSUN_BACKUP_PATH"] = backup_path;
  const StepCommandResult result =
      run_step_command({command_argv(command, site.variables), env, site.release_dir, site.log_path,
                        std::chrono::milliseconds(3'600'000), site.pid_record});
  if (!result.succeeded()) {
    return StepResult::failed(what + " command " + result.describe() + " (log: " + site.log_path +
                              ")");
  }
  return StepResult::ok(what + " command done: " + backup_path);
}

}  // namespace

SchemaVersion schema_version(const manifest::Database& database, const CommandSite& site) {
  return read_schema_version(database, context_of(site));
}

StepResult take_backup(const manifest::Database& database, const std::string& backup_path,
                       const CommandSite& site) {
  std::filesystem::create_directories(std::filesystem::path(backup_path).parent_path());
  if (database.kind == manifest::DatabaseKind::sqlite) {
    const std::string path = sqlite_path(database, site);
    if (!std::filesystem::exists(path)) {
      return StepResult::skipped("no database at " + path + " yet");
    }
    try {
      backup_sqlite(path, backup_path);
    } catch (const std::exception& error) {
      return StepResult::failed(error.what());
    }
    return StepResult::ok("SQLite online backup of " + path + " to " + backup_path);
  }
  if (database.backup) {
    return run_backup_command(*database.backup, backup_path, site, "backup");
  }
  return StepResult::skipped(database.kind == manifest::DatabaseKind::none
                                 ? "no database"
                                 : "no backup command in the manifest");
}

StepResult restore_backup(const manifest::Database& database, const std::string& backup_path,
                          const CommandSite& site) {
  if (backup_path.empty() || !std::filesystem::exists(backup_path)) {
    return StepResult::failed("no backup to restore" +
                              (backup_path.empty() ? std::string() : " at " + backup_path));
  }
  if (database.kind == manifest::DatabaseKind::sqlite) {
    try {
      restore_sqlite(backup_path, sqlite_path(database, site));
    } catch (const std::exception& error) {
      return StepResult::failed(error.what());
    }
    return StepResult::ok("restored " + sqlite_path(database, site) + " from " + backup_path);
  }
  if (database.restore) {
    return run_backup_command(*database.restore, backup_path, site, "restore");
  }
  return StepResult::failed("the manifest has no database.restore command");
}

StepResult undo_schema(const manifest::Database& database, const SchemaVersion& target,
                       SchemaUndo how, const std::string& backup_path, const CommandSite& leaving) {
  const SchemaVersion now = schema_version(database, leaving);
  if (target && now && *now == *target) {
    return StepResult::ok("schema already at version " + describe_version(target));
  }
  std::string down_failure;
  if (how != SchemaUndo::restore) {
    if (!target) {
      down_failure = "the version to go back to was not recorded";
    } else {
      const StepCommandResult down = migrate_down(database, *target, context_of(leaving));
      const SchemaVersion after = schema_version(database, leaving);
      if (down.succeeded() && after == target) {
        return StepResult::ok("migrated down from " + describe_version(now) + " to " +
                              describe_version(target) + " with the scripts of " +
                              leaving.release_dir);
      }
      down_failure = down.succeeded()
                         ? "migrate down left the schema at " + describe_version(after)
                         : "migrate down " + down.describe();
    }
    if (how == SchemaUndo::down) {
      return StepResult::failed(down_failure + " (log: " + leaving.log_path + ")");
    }
  }
  StepResult restored = restore_backup(database, backup_path, leaving);
  if (!down_failure.empty()) {
    restored.detail = down_failure + "; " + restored.detail;
  }
  return restored;
}

}  // namespace bosun::agent
