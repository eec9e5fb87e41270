#include "deploy/steps/migrate_commands.hpp"

#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "bosun/common/text_file.hpp"

namespace bosun::agent::deploy::steps {
namespace {

StepCommandResult run(const manifest::Command& command,
                      const std::map<std::string, std::string>& values,
                      const MigrateContext& context, const std::string& log_path) {
  std::map<std::string, std::string> all = context.variables;
  for (const auto& [name, value] : values) {
    all[name] = value;
  }
  StepCommand step{
      command_argv(command, all), context.env, context.release_dir, log_path, context.timeout,
      context.pid_record};
  step.user = context.user;
  return run_step_command(step);
}

}  // namespace

database::SchemaVersion read_schema_version(const manifest::Database& database,
                                            const MigrateContext& context) {
  if (!database.migrate_version) {
    return std::nullopt;
  }
  // Its stdout in a file of its own, so that only what it printed there is parsed (alembic
  // writes INFO lines on stderr, which go to the log).
  const std::string output = context.log_path + ".version." + std::to_string(::getpid());
  StepCommand step{command_argv(*database.migrate_version, context.variables),
                   context.env,
                   context.release_dir,
                   context.log_path,
                   context.timeout,
                   context.pid_record,
                   output,
                   context.user};
  const auto result = run_step_command(step);
  const std::string printed = read_text_file(output).value_or("");
  std::error_code ignored;
  std::filesystem::remove(output, ignored);
  std::ofstream(context.log_path, std::ios::app)
      << "$ schema version: " << printed << (printed.ends_with('\n') ? "" : "\n");
  if (!result.succeeded()) {
    return std::nullopt;
  }
  return database::parse_schema_version(printed);
}

StepCommandResult migrate_up(const manifest::Database& database, const MigrateContext& context) {
  if (!database.migrate_up) {
    StepCommandResult nothing;
    nothing.started = true;
    nothing.exit_code = 0;  // no migrations configured: nothing to do
    return nothing;
  }
  return run(*database.migrate_up, {}, context, context.log_path);
}

StepCommandResult migrate_down(const manifest::Database& database, const std::string& version,
                               const MigrateContext& context) {
  if (!database.migrate_down) {
    StepCommandResult missing;
    missing.error = "the manifest has no database.migrate.down command";
    return missing;
  }
  return run(*database.migrate_down, {{"version", database::down_argument(database, version)}},
             context, context.log_path);
}

}  // namespace bosun::agent::deploy::steps
