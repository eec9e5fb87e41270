#pragma once
// What a database's schema is, beyond the version its migration tool records: a failed
// migration can leave part of itself behind (a column added, the version unchanged) when the
// engine's DDL is not transactional (MySQL; SQLite under alembic). Comparing the schema before
// and after tells "nothing changed" from "already at version N".

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "bosun/manifest/model.hpp"

namespace bosun::agent::database {

// Object name -> its definition ("table notes: CREATE TABLE notes (...)").
using SchemaFingerprint = std::map<std::string, std::string>;

// The schema of the manifest's database, for the engines bosun can read it from (SQLite);
// nullopt for the others, or when the database cannot be opened. An absent file is an empty
// schema.
std::optional<SchemaFingerprint> schema_fingerprint(const manifest::Database& database,
                                                    const std::string& sqlite_path);

// The objects that differ between two fingerprints: "added table tags", "changed table notes".
std::vector<std::string> schema_differences(const SchemaFingerprint& before,
                                            const SchemaFingerprint& after);

}  // namespace bosun::agent::database
