#pragma once
// A database engine: what bosun does itself for one kind of database (database.kind), beside
// the manifest's own commands. One file per engine in database/engines/; engine_for() picks the
// one for a kind. An engine without a built-in backup or restore leaves them to the manifest's
// database.backup / database.restore; one that cannot read its schema says so with nullopt.

#include <optional>
#include <string>

#include "bosun/manifest/model.hpp"
#include "database/command_site.hpp"
#include "database/schema_fingerprint.hpp"
#include "deploy/step_result.hpp"

namespace bosun::agent::database {

class Engine {
 public:
  virtual ~Engine() = default;
  // The file extension of its backups: backups/<release>.<extension>.
  virtual std::string backup_extension() const { return "backup"; }
  // What the database needs before its first migration (SQLite: the file's folder); the path
  // made, or "" when nothing was needed.
  virtual std::string prepare(const manifest::Database& /*database*/,
                              const CommandSite& /*site*/) const {
    return "";
  }
  // A consistent copy into `backup_path`; nullopt when the engine has none built in.
  virtual std::optional<deploy::StepResult> backup(const manifest::Database& /*database*/,
                                                   const std::string& /*backup_path*/,
                                                   const CommandSite& /*site*/) const {
    return std::nullopt;
  }
  // `backup_path` put back; nullopt when the engine has no built-in restore.
  virtual std::optional<deploy::StepResult> restore(const manifest::Database& /*database*/,
                                                    const std::string& /*backup_path*/,
                                                    const CommandSite& /*site*/) const {
    return std::nullopt;
  }
  // The schema as it is now, to prove a failed migration undone; nullopt when unreadable.
  virtual std::optional<SchemaFingerprint> schema(const manifest::Database& /*database*/,
                                                  const CommandSite& /*site*/) const {
    return std::nullopt;
  }
};

const Engine& engine_for(manifest::DatabaseKind kind);

}  // namespace bosun::agent::database
