#include "deploy_journal.hpp"

#include <sqlite3.h>

#include <stdexcept>

#include "journal.hpp"

namespace bosun::agent {
namespace {

class Db {
 public:
  explicit Db(const std::string& path) {
    if (::sqlite3_open(path.c_str(), &m_db) != SQLITE_OK) {
      const std::string error = m_db != nullptr ? ::sqlite3_errmsg(m_db) : "out of memory";
      ::sqlite3_close(m_db);
      throw std::runtime_error("cannot open " + path + ": " + error);
    }
    ::sqlite3_busy_timeout(m_db, 5000);
    exec(
        "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL;"
        "CREATE TABLE IF NOT EXISTS runs (id INTEGER PRIMARY KEY AUTOINCREMENT, kind TEXT NOT NULL,"
        " who TEXT NOT NULL, commit_sha TEXT NOT NULL, release TEXT NOT NULL DEFAULT '',"
        " started_unix_ms INTEGER NOT NULL, finished_unix_ms INTEGER, result TEXT NOT NULL DEFAULT "
        "'',"
        " reason TEXT NOT NULL DEFAULT '');"
        "CREATE TABLE IF NOT EXISTS run_steps (run INTEGER NOT NULL REFERENCES runs(id), name TEXT "
        "NOT NULL,"
        " started_unix_ms INTEGER NOT NULL, finished_unix_ms INTEGER, outcome TEXT NOT NULL "
        "DEFAULT '',"
        " detail TEXT NOT NULL DEFAULT '', PRIMARY KEY (run, name));");
  }
  ~Db() { ::sqlite3_close(m_db); }
  Db(const Db&) = delete;
  Db& operator=(const Db&) = delete;

  void exec(const std::string& sql) {
    char* error = nullptr;
    if (::sqlite3_exec(m_db, sql.c_str(), nullptr, nullptr, &error) != SQLITE_OK) {
      const std::string message = error != nullptr ? error : "unknown error";
      ::sqlite3_free(error);
      throw std::runtime_error("deploy journal: " + message);
    }
  }

  // Runs `sql`, binding `texts` to the first parameters and `numbers` to the ones after them.
  void run(const std::string& sql, const std::vector<std::string>& texts,
           const std::vector<std::int64_t>& numbers) {
    sqlite3_stmt* statement = prepare(sql);
    int index = 1;
    for (const std::string& text : texts) {
      ::sqlite3_bind_text(statement, index++, text.c_str(), -1, SQLITE_TRANSIENT);
    }
    for (std::int64_t number : numbers) {
      ::sqlite3_bind_int64(statement, index++, number);
    }
    const int rc = ::sqlite3_step(statement);
    ::sqlite3_finalize(statement);
    if (rc != SQLITE_DONE) {
      throw std::runtime_error(std::string("deploy journal: ") + ::sqlite3_errmsg(m_db));
    }
  }

  sqlite3_stmt* prepare(const std::string& sql) {
    sqlite3_stmt* statement = nullptr;
    if (::sqlite3_prepare_v2(m_db, sql.c_str(), -1, &statement, nullptr) != SQLITE_OK) {
      throw std::runtime_error(std::string("deploy journal: ") + ::sqlite3_errmsg(m_db));
    }
    return statement;
  }

  std::int64_t last_id() const { return ::sqlite3_last_insert_rowid(m_db); }

 private:
  sqlite3* m_db = nullptr;
};

std::string text_column(sqlite3_stmt* statement, int column) {
  const auto* value = ::sqlite3_column_text(statement, column);
  return value != nullptr ? reinterpret_cast<const char*>(value) : "";
}

std::optional<std::int64_t> optional_column(sqlite3_stmt* statement, int column) {
  if (::sqlite3_column_type(statement, column) == SQLITE_NULL) {
    return std::nullopt;
  }
  return ::sqlite3_column_int64(statement, column);
}

std::vector<RunRecord> read_runs(Db& db, const std::string& where, std::size_t limit) {
  sqlite3_stmt* query = db.prepare(
      "SELECT id, kind, who, commit_sha, release, started_unix_ms, finished_unix_ms, result, "
      "reason FROM runs " +
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

DeployJournal::DeployJournal(std::string state_db) : m_path(std::move(state_db)) {
  Db db(m_path);
}

std::int64_t DeployJournal::begin(const std::string& kind, const std::string& who,
                                  const std::string& commit) {
  Db db(m_path);
  db.run("INSERT INTO runs (kind, who, commit_sha, started_unix_ms) VALUES (?, ?, ?, ?)",
         {kind, who, commit}, {now_unix_ms()});
  return db.last_id();
}

void DeployJournal::set_release(std::int64_t run, const std::string& release) {
  Db db(m_path);
  db.run("UPDATE runs SET release = ? WHERE id = ?", {release}, {run});
}

void DeployJournal::step_started(std::int64_t run, const std::string& step) {
  Db db(m_path);
  // A step retried after an interruption starts again from a clean row.
  db.run("INSERT OR REPLACE INTO run_steps (name, run, started_unix_ms) VALUES (?, ?, ?)", {step},
         {run, now_unix_ms()});
}

void DeployJournal::step_finished(std::int64_t run, const std::string& step,
                                  const std::string& outcome, const std::string& detail) {
  Db db(m_path);
  db.run(
      "UPDATE run_steps SET outcome = ?1, detail = ?2, finished_unix_ms = ?4 WHERE name = ?3 AND "
      "run = ?5",
      {outcome, detail, step}, {now_unix_ms(), run});
}

void DeployJournal::finish(std::int64_t run, const std::string& result, const std::string& reason) {
  Db db(m_path);
  db.run("UPDATE runs SET result = ?, reason = ?, finished_unix_ms = ? WHERE id = ?",
         {result, reason}, {now_unix_ms(), run});
}

std::vector<RunRecord> DeployJournal::history(std::size_t limit) {
  Db db(m_path);
  return read_runs(db, "ORDER BY id DESC", limit);
}

std::vector<RunRecord> DeployJournal::interrupted() {
  Db db(m_path);
  return read_runs(db, "WHERE finished_unix_ms IS NULL ORDER BY id", 1000);
}

}  // namespace bosun::agent
