// platform-migrate: applies and reverts the schema migrations compiled into this build.
//   platform-migrate up [--to N]
//   platform-migrate down --to N
//   platform-migrate status [--version]
//   platform-migrate expected
// The database is DATABASE_URL (sqlite:///path) or --database PATH.

#include <iostream>
#include <optional>
#include <string>
#include <vector>

#include "core/config.hpp"
#include "core/migrations.hpp"
#include "core/sqlite_db.hpp"

namespace {

constexpr const char* k_usage =
    "Usage: platform-migrate COMMAND [--database PATH]\n"
    "\n"
    "Commands:\n"
    "  up [--to N]          apply pending migrations (up to version N)\n"
    "  down --to N          revert migrations above version N, newest first\n"
    "  status [--version]   list applied and pending migrations (or print the version only)\n"
    "  expected             print the schema version this build expects\n"
    "\n"
    "The database is --database PATH, else DATABASE_URL=sqlite:///path.\n"
    "Exit status: 0 done, 1 a migration failed (its transaction was rolled back), 2 bad usage.\n";

int usage_error(const std::string& message) {
  std::cerr << "platform-migrate: " << message << "\n" << k_usage;
  return 2;
}

std::optional<int> parse_version(const std::string& text) {
  if (text.empty() || text.size() > 9 ||
      text.find_first_not_of("0123456789") != std::string::npos) {
    return std::nullopt;
  }
  return std::stoi(text);
}

}  // namespace

int main(int argc, char** argv) {
  const std::vector<std::string> args(argv + 1, argv + argc);
  if (args.empty() || args[0] == "--help" || args[0] == "-h") {
    (args.empty() ? std::cerr : std::cout) << k_usage;
    return args.empty() ? 2 : 0;
  }
  const std::string& command = args[0];
  std::optional<int> target;
  bool version_only = false;
  std::string database;
  for (std::size_t i = 1; i < args.size(); ++i) {
    if (args[i] == "--to" && i + 1 < args.size()) {
      target = parse_version(args[++i]);
      if (!target) {
        return usage_error("--to needs a version number, got \"" + args[i] + "\"");
      }
    } else if (args[i] == "--database" && i + 1 < args.size()) {
      database = args[++i];
    } else if (args[i] == "--version" && command == "status") {
      version_only = true;
    } else {
      return usage_error("unexpected argument \"" + args[i] + "\"");
    }
  }
  const auto& migrations = platform::embedded_migrations();
  if (command == "expected") {
    std::cout << (migrations.empty() ? 0 : migrations.back().version) << "\n";
    return 0;
  }
  if (command != "up" && command != "down" && command != "status") {
    return usage_error("unknown command \"" + command + "\"");
  }
  if (command == "down" && !target) {
    return usage_error("down needs --to N (0 reverts everything)");
  }
  if (database.empty()) {
    const char* url = std::getenv("DATABASE_URL");
    const auto path = url != nullptr ? platform::sqlite_path_from_url(url) : std::nullopt;
    if (!path) {
      return usage_error(url == nullptr ? "DATABASE_URL is not set and --database was not given"
                                        : "DATABASE_URL must be sqlite:///path");
    }
    database = *path;
  }
  try {
    platform::Database db(database);
    platform::Migrator migrator(db, migrations);
    if (command == "status") {
      const int current = migrator.current_version();
      if (version_only) {
        std::cout << current << "\n";
        return 0;
      }
      const auto applied = migrator.applied();
      std::cout << "database " << database << ": version " << current << ", this build expects "
                << migrator.expected_version() << "\n";
      for (const auto& migration : migrations) {
        std::string state = "pending";
        for (const auto& row : applied) {
          if (row.version == migration.version) {
            state = "applied " + row.applied_at;
          }
        }
        std::cout << "  " << migration.version << " " << migration.name << ": " << state << "\n";
      }
      return 0;
    }
    const int before = migrator.current_version();
    const auto changed =
        command == "up" ? migrator.up(target.value_or(-1)) : migrator.down_to(*target);
    for (int version : changed) {
      std::cout << (command == "up" ? "applied " : "reverted ") << version << "\n";
    }
    std::cout << "schema version " << before << " -> " << migrator.current_version() << "\n";
    return 0;
  } catch (const std::exception& error) {
    std::cerr << "platform-migrate: " << error.what() << "\n";
    return 1;
  }
}
