#pragma once
// Test support: reading and writing a SQLite file straight, as a person would with sqlite3,
// to check what a deploy left in a database or to set one up as an older agent left it.

#include <string>

namespace bosun::test {

// Runs `sql` (several statements allowed); a failure is a test failure naming SQLite's error.
void sqlite_exec(const std::string& path, const std::string& sql);

// The first column of every row, joined by ","; "NULL" for nulls, "(no database)" when the
// file cannot be opened, "(error: SQL)" when the query does not prepare.
std::string sqlite_query(const std::string& path, const std::string& sql);

}  // namespace bosun::test
