#include "migrate_step.hpp"

#include <unistd.h>
#include <algorithm>
#include <cctype>
#include <filesystem>
#include <fstream>
#include <sstream>

namespace bosun::agent {
namespace {

StepCommandResult run(const manifest::Command& command,
                      const std::map<std::string, std::string>& values,
                      const MigrateContext& context, const std::string& log_path) {
  std::map<std::string, std::string> all = context.variables;
  for (const auto& [name, value] : values) {
    all[name] = value;
  }
  return run_step_command({command_argv(command, all), context.env, context.release_dir, log_path,
                           context.timeout, context.pid_record});
}

}  // namespace

std::optional<long long> read_schema_version(const manifest::Database& database,
                                             const MigrateContext& context) {
  if (!database.migrate_version) {
    return std::nullopt;
  }
  // The command's own output file, so that only what it printed is parsed.
  const std::string output = context.log_path + ".version." + std::to_string(::getpid());
  const auto result = run(*database.migrate_version, {}, context, output);
  std::ifstream in(output);
  std::ostringstream text;
  text << in.rdbuf();
  std::error_code ignored;
  std::filesystem::remove(output, ignored);
  std::ofstream(context.log_path, std::ios::app) << "$ schema version: " << text.str();
  if (!result.succeeded()) {
    return std::nullopt;
  }
  const std::string printed = text.str();
  const auto digit = std::find_if(printed.begin(), printed.end(), [](char c) {
    return std::isdigit(static_cast<unsigned char>(c)) != 0;
  });
  if (digit == printed.end()) {
    return std::nullopt;
  }
  return std::stoll(std::string(digit, std::find_if_not(digit, printed.end(), [](char c) {
                                  return std::isdigit(static_cast<unsigned char>(c)) != 0;
                                })));
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

StepCommandResult migrate_down(const manifest::Database& database, long long version,
                               const MigrateContext& context) {
  if (!database.migrate_down) {
    StepCommandResult missing;
    missing.error = "the manifest has no database.migrate.down command";
    return missing;
  }
  return run(*database.migrate_down, {{"version", std::to_string(version)}}, context,
             context.log_path);
}

}  // namespace bosun::agent
