#include "state/deploy_journal.hpp"

#include <sqlite3.h>

#include <stdexcept>

#include "state/journal.hpp"
#include "state/sqlite_connection.hpp"
#include "state/state_schema.hpp"

namespace bosun::agent::state {
namespace {

SqliteConnection open_journal(const std::string& path) {
  SqliteConnection db = open_state_db(path, "deploy journal");
  db.exec("PRAGMA synchronous=FULL");
  return db;
}

std::optional<std::int64_t> optional_column(sqlite3_stmt* statement, int column) {
  if (::sqlite3_column_type(statement, column) == SQLITE_NULL) {
    return std::nullopt;
  }
  return ::sqlite3_column_int64(statement, column);
}

std::vector<RunRecord> read_runs(SqliteConnection& db, const std::string& where,
                                 std::size_t limit) {
  sqlite3_stmt* query = db.prepare(
      "SELECT id, kind, who, commit_sha, release, started_unix_ms, finished_unix_ms, result, "
      "reason, previous, options FROM runs " +
      where + " LIMIT " + std::to_string(limit));
  std::vector<RunRecord> runs;
  while (::sqlite3_step(query) == SQLITE_ROW) {
    RunRecord run;
    run.id = ::sqlite3_column_int64(query, 0);
    run.kind = text_column(query, 1);
    run.who = text_column(query, 2);
    run.commit = text_column(query, 3);
    run.release = text_column(query, 4);
    run.started_unix_ms = ::sqlite3_column_int64(query, 5);
    run.finished_unix_ms = optional_column(query, 6);
    run.result = text_column(query, 7);
    run.reason = text_column(query, 8);
    run.previous = text_column(query, 9);
    run.options = text_column(query, 10);
    runs.push_back(std::move(run));
  }
  ::sqlite3_finalize(query);
  for (RunRecord& run : runs) {
    sqlite3_stmt* steps = db.prepare(
        "SELECT name, started_unix_ms, finished_unix_ms, outcome, detail FROM run_steps WHERE run "
        "= ? "
        "ORDER BY started_unix_ms, rowid");
    ::sqlite3_bind_int64(steps, 1, run.id);
    while (::sqlite3_step(steps) == SQLITE_ROW) {
      run.steps.push_back({text_column(steps, 0), ::sqlite3_column_int64(steps, 1),
                           optional_column(steps, 2), text_column(steps, 3),
                           text_column(steps, 4)});
    }
    ::sqlite3_finalize(steps);
  }
  return runs;
}

}  // namespace

DeployJournal::DeployJournal(const std::string& state_db)
    : m_db(std::make_unique<SqliteConnection>(open_journal(state_db))) {}

DeployJournal::~DeployJournal() = default;

std::int64_t DeployJournal::begin(const std::string& kind, const std::string& who,
                                  const std::string& commit) {
  SqliteConnection& db = *m_db;
  db.run("INSERT INTO runs (kind, who, commit_sha, started_unix_ms) VALUES (?, ?, ?, ?)",
         {kind, who, commit}, {now_unix_ms()});
  return db.last_id();
}

void DeployJournal::set_release(std::int64_t run, const std::string& release) {
  SqliteConnection& db = *m_db;
  db.run("UPDATE runs SET release = ? WHERE id = ?", {release}, {run});
}

void DeployJournal::set_commit(std::int64_t run, const std::string& commit) {
  SqliteConnection& db = *m_db;
  db.run("UPDATE runs SET commit_sha = ? WHERE id = ?", {commit}, {run});
}

void DeployJournal::set_previous(std::int64_t run, const std::string& previous,
                                 const std::string& options) {
  SqliteConnection& db = *m_db;
  db.run("UPDATE runs SET previous = ?, options = ? WHERE id = ?", {previous, options}, {run});
}

void DeployJournal::step_started(std::int64_t run, const std::string& step) {
  SqliteConnection& db = *m_db;
  // A step retried after an interruption starts again from a clean row.
  db.run("INSERT OR REPLACE INTO run_steps (name, run, started_unix_ms) VALUES (?, ?, ?)", {step},
         {run, now_unix_ms()});
}

void DeployJournal::step_finished(std::int64_t run, const std::string& step,
                                  const std::string& outcome, const std::string& detail) {
  SqliteConnection& db = *m_db;
  db.run(
      "UPDATE run_steps SET outcome = ?1, detail = ?2, finished_unix_ms = ?4 WHERE name = ?3 AND "
      "run = ?5",
      {outcome, detail, step}, {now_unix_ms(), run});
}

void DeployJournal::finish(std::int64_t run, const std::string& result, const std::string& reason) {
  SqliteConnection& db = *m_db;
  db.run("UPDATE runs SET result = ?, reason = ?, finished_unix_ms = ? WHERE id = ?",
         {result, reason}, {now_unix_ms(), run});
}

std::vector<RunRecord> DeployJournal::history(std::size_t limit) {
  SqliteConnection& db = *m_db;
  return read_runs(db, "ORDER BY id DESC", limit);
}

std::vector<RunRecord> DeployJournal::interrupted() {
  SqliteConnection& db = *m_db;
  return read_runs(db, "WHERE finished_unix_ms IS NULL ORDER BY id", 1000);
}

}  // namespace bosun::agent::state
