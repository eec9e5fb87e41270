// Issue 16, item 15: the controller's .bosun/history.db used to ignore every SQL error, so a
// run could vanish from the history without a word. Each failure now names the file and what
// failed, and a run is recorded whole or not at all.
#include <sqlite3.h>

#include <filesystem>
#include <fstream>

#include <gtest/gtest.h>

#include "child_process.hpp"
#include "project/history_store.hpp"

namespace bosun::controller::project {
namespace {

HistoryEntry a_run() {
  HistoryEntry entry;
  entry.kind = "deploy";
  entry.stage = "production";
  entry.who = "tester";
  entry.commit = "abc123";
  entry.ok = true;
  fleet::HostOutcome host;
  host.host = "web-1";
  entry.hosts.push_back(host);
  return entry;
}

void run_sql(const std::string& path, const char* sql) {
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(path.c_str(), &db), SQLITE_OK);
  EXPECT_EQ(sqlite3_exec(db, sql, nullptr, nullptr, nullptr), SQLITE_OK) << sqlite3_errmsg(db);
  sqlite3_close(db);
}

TEST(HistoryErrors, ACorruptHistoryIsNamedNotIgnored) {
  test::TempDir dir;
  const std::string path = dir.path() + "/.bosun/history.db";
  std::filesystem::create_directories(dir.path() + "/.bosun");
  std::ofstream(path) << std::string(4096, 'x');  // not a database
  try {
    HistoryStore store(path);
    store.record(a_run());
    ADD_FAILURE() << "recorded into a file that is not a database";
  } catch (const std::runtime_error& error) {
    EXPECT_NE(std::string(error.what()).find("history " + path + ": creating its tables: "),
              std::string::npos)
        << error.what();
  }
}

TEST(HistoryErrors, ARunThatCannotBeRecordedWholeIsNotRecordedAtAll) {
  test::TempDir dir;
  const std::string path = dir.path() + "/history.db";
  HistoryStore store(path);
  EXPECT_GT(store.record(a_run()), 0);
  run_sql(path,
          "CREATE TRIGGER refuse BEFORE INSERT ON run_hosts BEGIN SELECT RAISE(ABORT, 'disk "
          "says no'); END;");
  try {
    store.record(a_run());
    ADD_FAILURE() << "a failed host row went unnoticed";
  } catch (const std::runtime_error& error) {
    EXPECT_NE(std::string(error.what()).find("recording host web-1: disk says no"),
              std::string::npos)
        << error.what();
  }
  EXPECT_EQ(store.recent(10).size(), 1U) << "the run without its hosts was kept";
}

}  // namespace
}  // namespace bosun::controller::project
