#include "database/database_backup.hpp"

#include <sqlite3.h>
#include <sys/stat.h>

#include <filesystem>
#include <stdexcept>

namespace bosun::agent::database {
namespace {

struct Connection {
  sqlite3* db = nullptr;
  Connection(const std::string& path, int flags) {
    if (::sqlite3_open_v2(path.c_str(), &db, flags, nullptr) != SQLITE_OK) {
      const std::string error = db != nullptr ? ::sqlite3_errmsg(db) : "out of memory";
      ::sqlite3_close(db);
      throw std::runtime_error("cannot open " + path + ": " + error);
    }
    ::sqlite3_busy_timeout(db, 5000);
  }
  ~Connection() { ::sqlite3_close(db); }
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;
};

// Copies all of `from` into `to` in steps, yielding between steps so writers are not starved;
// the backup restarts by itself when a writer changes a page it already copied.
void copy(sqlite3* from, sqlite3* to, const std::string& what) {
  sqlite3_backup* backup = ::sqlite3_backup_init(to, "main", from, "main");
  if (backup == nullptr) {
    throw std::runtime_error(what + ": " + ::sqlite3_errmsg(to));
  }
  int rc = SQLITE_OK;
  do {
    rc = ::sqlite3_backup_step(backup, 256);
    if (rc == SQLITE_BUSY || rc == SQLITE_LOCKED) {
      ::sqlite3_sleep(5);
    }
  } while (rc == SQLITE_OK || rc == SQLITE_BUSY || rc == SQLITE_LOCKED);
  ::sqlite3_backup_finish(backup);
  if (rc != SQLITE_DONE) {
    throw std::runtime_error(what + ": " + ::sqlite3_errstr(rc));
  }
}

// "" when PRAGMA integrity_check on `path` says "ok"; otherwise its first finding.
std::string integrity_problem(const std::string& path) {
  Connection copy(path, SQLITE_OPEN_READONLY);
  sqlite3_stmt* check = nullptr;
  if (::sqlite3_prepare_v2(copy.db, "PRAGMA integrity_check(1)", -1, &check, nullptr) !=
      SQLITE_OK) {
    return ::sqlite3_errmsg(copy.db);
  }
  std::string finding;
  const int rc = ::sqlite3_step(check);
  if (rc == SQLITE_ROW) {
    const auto* text = ::sqlite3_column_text(check, 0);
    finding = text != nullptr ? reinterpret_cast<const char*>(text) : "no answer";
  } else {
    finding = ::sqlite3_errmsg(copy.db);  // a header too damaged to read, say
  }
  ::sqlite3_finalize(check);
  return finding == "ok" ? "" : finding;
}

}  // namespace

void backup_sqlite(const std::string& source, const std::string& destination) {
  if (!std::filesystem::exists(source)) {
    throw std::runtime_error("no database at " + source);
  }
  std::filesystem::create_directories(std::filesystem::path(destination).parent_path());
  const std::string partial = destination + ".partial";
  std::error_code ignored;
  std::filesystem::remove(partial, ignored);
  {
    Connection from(source, SQLITE_OPEN_READONLY);
    Connection to(partial, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE);
    copy(from.db, to.db, "backing up " + source);
  }
  // Checked before it is called a backup: SQLite's own check of every page and index of the
  // copy (a damaged source page is copied as it is by the backup API).
  if (const std::string damage = integrity_problem(partial); !damage.empty()) {
    std::filesystem::remove(partial, ignored);
    throw std::runtime_error("the copy of " + source +
                             " does not pass PRAGMA integrity_check: " + damage);
  }
  // The copy holds the same rows: no more readable than the database (and at most 0600).
  struct stat info {};
  if (::stat(source.c_str(), &info) == 0) {
    ::chmod(partial.c_str(), info.st_mode & 0600);
  }
  // Only a complete backup carries the final name.
  std::filesystem::rename(partial, destination);
}

void restore_sqlite(const std::string& backup, const std::string& database) {
  if (!std::filesystem::exists(backup)) {
    throw std::runtime_error("no backup at " + backup);
  }
  Connection from(backup, SQLITE_OPEN_READONLY);
  Connection to(database, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE);
  copy(from.db, to.db, "restoring " + database + " from " + backup);
}

}  // namespace bosun::agent::database
