#include "database/schema_actions.hpp"

#include <sys/stat.h>

#include <ctime>
#include <filesystem>

#include "bosun/common/duration.hpp"
#include "bosun/common/text.hpp"
#include "database/backup_seal.hpp"
#include "database/backup_staging.hpp"
#include "database/engine.hpp"
#include "deploy/steps/migrate_commands.hpp"

namespace bosun::agent::database {
namespace {

deploy::steps::MigrateContext context_of(const CommandSite& site) {
  deploy::steps::MigrateContext context;
  context.release_dir = site.release_dir;
  context.env = site.env;
  context.log_path = site.log_path;
  context.variables = site.variables;
  context.pid_record = site.pid_record;
  context.user = site.user;
  return context;
}

deploy::StepResult run_backup_command(const manifest::Command& command,
                                      const std::string& backup_path, const CommandSite& site,
                                      BackupStaging::Use use) {
  const std::string what = use == BackupStaging::Use::backup ? "backup" : "restore";
  try {
    const BackupStaging staging(backup_path, site.user, use);
    std::map<std::string, std::string> env = site.env;
    env["BOSUN_BACKUP_PATH"] = staging.command_path();
    deploy::steps::StepCommand step{deploy::steps::command_argv(command, site.variables),
                                    env,
                                    site.release_dir,
                                    site.log_path,
                                    std::chrono::milliseconds(3'600'000),
                                    site.pid_record};
    step.user = site.user;
    const deploy::steps::StepCommandResult result = deploy::steps::run_step_command(step);
    if (!result.succeeded()) {
      return deploy::StepResult::failed(what + " command " + result.describe() +
                                        " (log: " + site.log_path + ")");
    }
    if (use == BackupStaging::Use::backup) {
      staging.keep_backup();
    }
  } catch (const std::exception& error) {
    return deploy::StepResult::failed(what + " command: " + error.what());
  }
  return deploy::StepResult::ok(what + " command done: " + backup_path);
}

// "backup B (taken 2026-12-01 20:11:03 UTC, 42s before the restore) was restored: writes
// after it are lost"
std::string restored_sentence(const std::string& backup_path) {
  struct stat info {};
  std::string when = "at an unknown time";
  if (::stat(backup_path.c_str(), &info) == 0) {
    std::tm utc{};
    ::gmtime_r(&info.st_mtime, &utc);
    char stamp[32];
    std::strftime(stamp, sizeof stamp, "%Y-%m-%d %H:%M:%S UTC", &utc);
    const auto ago =
        std::chrono::seconds(std::max<std::time_t>(0, std::time(nullptr) - info.st_mtime));
    when = std::string(stamp) + ", " + format_duration(ago) + " before the restore";
  }
  return "the database was restored from the backup " + backup_path + " (taken " + when +
         "): everything written after it is gone";
}

}  // namespace

std::optional<SchemaFingerprint> schema_of(const manifest::Database& database,
                                           const CommandSite& site) {
  return engine_for(database.kind).schema(database, site);
}

std::string make_database_folder(const manifest::Database& database, const CommandSite& site) {
  return engine_for(database.kind).prepare(database, site);
}

SchemaVersion schema_version(const manifest::Database& database, const CommandSite& site) {
  return deploy::steps::read_schema_version(database, context_of(site));
}

deploy::StepResult take_backup(const manifest::Database& database, const std::string& backup_path,
                               const CommandSite& site) {
  std::filesystem::create_directories(std::filesystem::path(backup_path).parent_path());
  // The manifest's own command wins over the engine's built-in backup.
  std::optional<deploy::StepResult> taken;
  if (database.backup) {
    taken = run_backup_command(*database.backup, backup_path, site, BackupStaging::Use::backup);
  } else {
    taken = engine_for(database.kind).backup(database, backup_path, site);
  }
  if (!taken) {
    return deploy::StepResult::skipped(database.kind == manifest::DatabaseKind::none
                                           ? "no database"
                                           : "no backup command in the manifest");
  }
  if (taken->outcome != deploy::StepResult::Outcome::ok) {
    return *taken;
  }
  if (!std::filesystem::exists(backup_path)) {
    return deploy::StepResult::failed("the backup command succeeded but wrote nothing to " +
                                      backup_path);
  }
  try {
    taken->detail += " (" + describe(seal_backup(backup_path)) + ")";
  } catch (const std::exception& error) {
    return deploy::StepResult::failed(error.what());
  }
  return *taken;
}

deploy::StepResult restore_backup(const manifest::Database& database,
                                  const std::string& backup_path, const CommandSite& site) {
  if (backup_path.empty() || !std::filesystem::exists(backup_path)) {
    return deploy::StepResult::failed("no backup to restore" +
                                      (backup_path.empty() ? std::string() : " at " + backup_path));
  }
  if (const std::string altered = check_backup_seal(backup_path); !altered.empty()) {
    return deploy::StepResult::failed(altered + "; not restored");
  }
  std::optional<deploy::StepResult> restored;
  if (database.restore) {
    restored =
        run_backup_command(*database.restore, backup_path, site, BackupStaging::Use::restore);
  } else {
    restored = engine_for(database.kind).restore(database, backup_path, site);
  }
  if (!restored) {
    return deploy::StepResult::failed("the manifest has no database.restore command");
  }
  if (!restored->failed()) {
    restored->restored_backup = restored_sentence(backup_path);
  }
  return *restored;
}

SchemaUndo automatic_undo(const manifest::Database& database, const SchemaVersion& target,
                          const SchemaVersion& reached) {
  if (!irreversible_crossed(database, target, reached).empty()) {
    return SchemaUndo::restore;
  }
  return database.rollback == manifest::RollbackMode::restore ? SchemaUndo::restore
                                                              : SchemaUndo::down_then_restore;
}

deploy::StepResult undo_schema(const manifest::Database& database, const SchemaVersion& target,
                               SchemaUndo how, const std::string& backup_path,
                               const CommandSite& leaving) {
  const SchemaVersion now = schema_version(database, leaving);
  if (target && now && *now == *target) {
    return deploy::StepResult::ok("schema already at version " + describe_version(target));
  }
  std::string down_failure;
  if (how != SchemaUndo::restore) {
    if (!target) {
      down_failure = "the version to go back to was not recorded";
    } else {
      const deploy::steps::StepCommandResult down =
          migrate_down(database, *target, context_of(leaving));
      const SchemaVersion after = schema_version(database, leaving);
      if (down.succeeded() && after == target) {
        return deploy::StepResult::ok("migrated down from " + describe_version(now) + " to " +
                                      describe_version(target) + " with the scripts of " +
                                      leaving.release_dir);
      }
      down_failure = down.succeeded() ? "migrate down left the schema at " + describe_version(after)
                                      : "migrate down " + down.describe();
    }
    if (how == SchemaUndo::down) {
      return deploy::StepResult::failed(down_failure + " (log: " + leaving.log_path + ")");
    }
  }
  deploy::StepResult restored = restore_backup(database, backup_path, leaving);
  if (!down_failure.empty()) {
    restored.detail = down_failure + "; " + restored.detail;
  }
  return restored;
}

deploy::StepResult undo_failed_migrate(const manifest::Database& database,
                                       const SchemaVersion& from,
                                       const std::optional<SchemaFingerprint>& before,
                                       const std::string& backup_path, const CommandSite& site) {
  // What is wrong with the schema now, compared with before the migrate ("" when nothing).
  const auto mismatch = [&]() -> std::string {
    const SchemaVersion now = schema_version(database, site);
    if (!from) {
      return "the schema version before the migrate could not be read";
    }
    if (!now || *now != *from) {
      return "the schema is at version " + describe_version(now) + ", not " +
             describe_version(from);
    }
    if (!before) {
      return "the migration failed part way and the schema of this database cannot be compared "
             "with before it";
    }
    const auto after = schema_of(database, site);
    if (!after) {
      return "the schema cannot be read";
    }
    const std::vector<std::string> differences = schema_differences(*before, *after);
    return differences.empty() ? ""
                               : "the failed migration left changes at version " +
                                     describe_version(now) + ": " + join(differences, ", ");
  };
  std::string why;
  const SchemaVersion now = schema_version(database, site);
  if (from && now && *now != *from && database.migrate_down) {
    const deploy::steps::StepCommandResult down = migrate_down(database, *from, context_of(site));
    if (!down.succeeded()) {
      why = "migrate down " + down.describe() + "; ";
    }
  }
  std::string left = mismatch();
  if (left.empty()) {
    return deploy::StepResult::ok("schema back at version " + describe_version(from) +
                                  (now == from ? " (the failed migration changed nothing)" : "") +
                                  ", identical to before the migrate");
  }
  why += left;
  if (backup_path.empty() || !std::filesystem::exists(backup_path)) {
    return deploy::StepResult::failed(why + "; no backup to restore (log: " + site.log_path + ")");
  }
  deploy::StepResult restored = restore_backup(database, backup_path, site);
  if (restored.failed()) {
    return deploy::StepResult::failed(why + "; " + restored.detail);
  }
  // Checked as far as this engine allows: the version always, the schema where it is read.
  left = mismatch();
  const bool only_uncomparable = !before && from && schema_version(database, site) == from;
  if (!left.empty() && !only_uncomparable) {
    return deploy::StepResult::failed(why + "; after restoring " + backup_path + ": " + left);
  }
  restored.detail = why + "; " + restored.detail + ", schema at version " + describe_version(from);
  return restored;
}

}  // namespace bosun::agent::database
