#include "sqlite_file.hpp"

#include <sqlite3.h>

#include <gtest/gtest.h>

namespace bosun::test {

void sqlite_exec(const std::string& path, const std::string& sql) {
  sqlite3* db = nullptr;
  ASSERT_EQ(::sqlite3_open(path.c_str(), &db), SQLITE_OK) << path;
  char* error = nullptr;
  EXPECT_EQ(::sqlite3_exec(db, sql.c_str(), nullptr, nullptr, &error), SQLITE_OK)
      << (error != nullptr ? error : "");
  ::sqlite3_free(error);
  ::sqlite3_close(db);
}

std::string sqlite_query(const std::string& path, const std::string& sql) {
  sqlite3* db = nullptr;
  std::string value = "(no database)";
  if (::sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READONLY, nullptr) == SQLITE_OK) {
    sqlite3_stmt* statement = nullptr;
    value = "(error: " + sql + ")";
    if (::sqlite3_prepare_v2(db, sql.c_str(), -1, &statement, nullptr) == SQLITE_OK) {
      value = "";
      bool first = true;
      while (::sqlite3_step(statement) == SQLITE_ROW) {
        const auto* text = ::sqlite3_column_text(statement, 0);
        value += (first ? "" : ",") +
                 std::string(text != nullptr ? reinterpret_cast<const char*>(text) : "NULL");
        first = false;
      }
    }
    ::sqlite3_finalize(statement);
  }
  ::sqlite3_close(db);
  return value;
}

}  // namespace bosun::test
