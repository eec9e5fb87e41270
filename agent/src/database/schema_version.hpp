#pragma once
// Schema versions as text, exactly as the migration tool prints them: an integer, an alembic
// revision id (a1f3c9e2b7d4), a knex timestamp. "" means "before the first migration"; a
// missing value (nullopt) means the version could not be read.

#include <optional>
#include <string>
#include <vector>

#include "bosun/manifest/model.hpp"

namespace bosun::agent::database {

using SchemaVersion = std::optional<std::string>;

// From what the version command wrote on stdout: the first word of its last non-empty line
// (`alembic current` prints "a1f3c9e2b7d4 (head)"); "" when it printed nothing.
std::string parse_schema_version(const std::string& printed);

// For messages: the version, "base (before the first migration)" for "", "unknown".
std::string describe_version(const SchemaVersion& version);

// What ${version} is for migrate.down: the version itself, or the manifest's `migrate.base`
// for "before the first migration".
std::string down_argument(const manifest::Database& database, const std::string& version);

// The versions of `database.irreversible` that going back from `now` to `target` crosses.
// Integers are compared as numbers (target < v <= now); other versions have no order bosun
// knows, so one counts when it is `now` or a version recorded by a release deployed after the
// target (`recorded_since`).
std::vector<std::string> irreversible_crossed(const manifest::Database& database,
                                              const SchemaVersion& target, const SchemaVersion& now,
                                              const std::vector<std::string>& recorded_since = {});

}  // namespace bosun::agent::database
