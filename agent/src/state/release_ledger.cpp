#include "state/release_ledger.hpp"

#include <sqlite3.h>

#include <stdexcept>

#include "state/journal.hpp"
#include "state/sqlite_connection.hpp"
#include "state/state_schema.hpp"

namespace bosun::agent::state {
namespace {

SqliteConnection open_ledger(const std::string& path) {
  SqliteConnection db = open_state_db(path, "release ledger");
  db.exec("PRAGMA synchronous=FULL");
  return db;
}

ReleaseState state_from(const std::string& text) {
  if (text == "live") {
    return ReleaseState::live;
  }
  if (text == "good") {
    return ReleaseState::good;
  }
  if (text == "failed") {
    return ReleaseState::failed;
  }
  if (text == "discarded") {
    return ReleaseState::discarded;
  }
  return ReleaseState::built;
}

std::optional<std::int64_t> optional_int(sqlite3_stmt* statement, int column) {
  if (::sqlite3_column_type(statement, column) == SQLITE_NULL) {
    return std::nullopt;
  }
  return ::sqlite3_column_int64(statement, column);
}

// The TEXT column, or for a record of an older agent its INTEGER column as text.
std::optional<std::string> version_column(sqlite3_stmt* statement, int text, int integer) {
  if (::sqlite3_column_type(statement, text) != SQLITE_NULL) {
    return text_column(statement, text);
  }
  if (::sqlite3_column_type(statement, integer) != SQLITE_NULL) {
    return std::to_string(::sqlite3_column_int64(statement, integer));
  }
  return std::nullopt;
}

std::vector<ReleaseRecord> select(SqliteConnection& db, const std::string& tail,
                                  const std::string& parameter) {
  sqlite3_stmt* query = db.prepare(
      "SELECT id, commit_sha, manifest, state, reason, schema_version, schema_from, backup,"
      " created_unix_ms, verified_unix_ms, schema_text, schema_from_text, restored"
      " FROM releases " +
      tail);
  if (!parameter.empty()) {
    ::sqlite3_bind_text(query, 1, parameter.c_str(), -1, SQLITE_TRANSIENT);
  }
  std::vector<ReleaseRecord> records;
  while (::sqlite3_step(query) == SQLITE_ROW) {
    ReleaseRecord record;
    record.id = text_column(query, 0);
    record.commit = text_column(query, 1);
    record.manifest = text_column(query, 2);
    record.state = state_from(text_column(query, 3));
    record.reason = text_column(query, 4);
    record.schema = version_column(query, 10, 5);
    record.schema_from = version_column(query, 11, 6);
    record.restored = text_column(query, 12);
    record.backup = text_column(query, 7);
    record.created_unix_ms = ::sqlite3_column_int64(query, 8);
    record.verified_unix_ms = optional_int(query, 9);
    records.push_back(std::move(record));
  }
  ::sqlite3_finalize(query);
  return records;
}

void bind_optional(sqlite3_stmt* statement, int index, const std::optional<std::string>& value) {
  if (value) {
    ::sqlite3_bind_text(statement, index, value->c_str(), -1, SQLITE_TRANSIENT);
  } else {
    ::sqlite3_bind_null(statement, index);
  }
}

}  // namespace

std::string to_string(ReleaseState state) {
  switch (state) {
    case ReleaseState::built:
      return "built";
    case ReleaseState::live:
      return "live";
    case ReleaseState::good:
      return "good";
    case ReleaseState::failed:
      return "failed";
    case ReleaseState::discarded:
      return "discarded";
  }
  return "built";
}

ReleaseLedger::ReleaseLedger(const std::string& state_db)
    : m_db(std::make_unique<SqliteConnection>(open_ledger(state_db))) {}

ReleaseLedger::~ReleaseLedger() = default;

void ReleaseLedger::add(const ReleaseRecord& record) {
  SqliteConnection& db = *m_db;
  db.run(
      "INSERT OR REPLACE INTO releases (id, commit_sha, manifest, state, reason, backup,"
      " created_unix_ms) VALUES (?, ?, ?, ?, ?, ?, ?)",
      {record.id, record.commit, record.manifest, to_string(record.state), record.reason,
       record.backup},
      {record.created_unix_ms != 0 ? record.created_unix_ms : now_unix_ms()});
}

void ReleaseLedger::set_state(const std::string& id, ReleaseState state,
                              const std::string& reason) {
  SqliteConnection& db = *m_db;
  db.run("UPDATE releases SET state = ?, reason = ? WHERE id = ?", {to_string(state), reason, id},
         {});
}

void ReleaseLedger::set_schema(const std::string& id, const std::optional<std::string>& from,
                               const std::optional<std::string>& to) {
  SqliteConnection& db = *m_db;
  sqlite3_stmt* update = db.prepare(
      "UPDATE releases SET schema_from_text = ?1, schema_text = ?2, schema_from = NULL,"
      " schema_version = NULL WHERE id = ?3");
  bind_optional(update, 1, from);
  bind_optional(update, 2, to);
  ::sqlite3_bind_text(update, 3, id.c_str(), -1, SQLITE_TRANSIENT);
  const int status = ::sqlite3_step(update);
  ::sqlite3_finalize(update);
  if (status != SQLITE_DONE) {
    throw std::runtime_error("release ledger: cannot record the schema version of " + id);
  }
}

void ReleaseLedger::set_backup(const std::string& id, const std::string& backup) {
  SqliteConnection& db = *m_db;
  db.run("UPDATE releases SET backup = ? WHERE id = ?", {backup, id}, {});
}

void ReleaseLedger::set_restored(const std::string& id, const std::string& restored) {
  SqliteConnection& db = *m_db;
  db.run("UPDATE releases SET restored = ? WHERE id = ?", {restored, id}, {});
}

void ReleaseLedger::mark_verified(const std::string& id) {
  SqliteConnection& db = *m_db;
  db.run("UPDATE releases SET state = 'good', reason = '', verified_unix_ms = ?2 WHERE id = ?1",
         {id}, {now_unix_ms()});
}

std::optional<ReleaseRecord> ReleaseLedger::find(const std::string& id) {
  SqliteConnection& db = *m_db;
  auto records = select(db, "WHERE id = ?1", id);
  if (records.empty()) {
    return std::nullopt;
  }
  return records.front();
}

std::vector<ReleaseRecord> ReleaseLedger::all() {
  SqliteConnection& db = *m_db;
  return select(db, "ORDER BY created_unix_ms, id", "");
}

std::optional<ReleaseRecord> ReleaseLedger::last_good(const std::string& except) {
  SqliteConnection& db = *m_db;
  auto records = select(db,
                        "WHERE state = 'good' AND verified_unix_ms IS NOT NULL AND id != ?1"
                        " ORDER BY verified_unix_ms DESC, id DESC LIMIT 1",
                        except.empty() ? std::string("\x01") : except);
  if (records.empty()) {
    return std::nullopt;
  }
  return records.front();
}

}  // namespace bosun::agent::state
