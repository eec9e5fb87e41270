#pragma once
// The migration commands the migrate step and rollbacks run: the schema version before and
// after, migrating up, and migrating down to a recorded version with the release's own down
// scripts (${version} in the manifest's migrate.down command).

#include <map>
#include <optional>
#include <string>

#include "bosun/manifest/model.hpp"
#include "database/schema_version.hpp"
#include "deploy/steps/step_command.hpp"

namespace bosun::agent::deploy::steps {

struct MigrateContext {
  std::string release_dir;  // commands run here (the new release, or the one being left)
  std::map<std::string, std::string> env;
  std::string log_path;
  std::chrono::milliseconds timeout{600'000};
  std::map<std::string, std::string> variables;  // ${...} values (${version} is added for down)
  std::string pid_record;                        // as in StepCommand
  std::string user{};                            // as in StepCommand
};

// Runs migrate.version and reads the version from its stdout (parse_schema_version; its
// stderr goes to the log); nullopt when there is no version command or it fails.
database::SchemaVersion read_schema_version(const manifest::Database& database,
                                            const MigrateContext& context);

StepCommandResult migrate_up(const manifest::Database& database, const MigrateContext& context);
// migrate.down with ${version} = `version` (migrate.base for ""). An error result when the
// manifest has no down command.
StepCommandResult migrate_down(const manifest::Database& database, const std::string& version,
                               const MigrateContext& context);

}  // namespace bosun::agent::deploy::steps
