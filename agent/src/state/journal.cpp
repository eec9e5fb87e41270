#include "state/journal.hpp"

#include <sqlite3.h>

#include <algorithm>
#include <chrono>
#include <stdexcept>

#include "state/state_schema.hpp"

namespace bosun::agent::state {

std::int64_t now_unix_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

Journal::Journal(const std::string& path, std::size_t keep)
    : m_keep(std::max<std::size_t>(1, keep)) {
  migrate_state_db(path);
  if (::sqlite3_open_v2(path.c_str(), &m_db,
                        SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_FULLMUTEX,
                        nullptr) != SQLITE_OK) {
    const std::string error = m_db != nullptr ? ::sqlite3_errmsg(m_db) : "out of memory";
    ::sqlite3_close(m_db);
    m_db = nullptr;
    throw std::runtime_error("cannot open journal " + path + ": " + error);
  }
  ::sqlite3_busy_timeout(m_db, 2000);
  ::sqlite3_exec(m_db, "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;", nullptr, nullptr,
                 nullptr);
  std::lock_guard lock(m_mutex);
  drop_old_events();
}

void Journal::drop_old_events() {
  sqlite3_stmt* drop = nullptr;
  if (::sqlite3_prepare_v2(m_db, "DELETE FROM events WHERE id <= (SELECT MAX(id) FROM events) - ?",
                           -1, &drop, nullptr) == SQLITE_OK) {
    ::sqlite3_bind_int64(drop, 1, static_cast<sqlite3_int64>(m_keep));
    ::sqlite3_step(drop);
  }
  ::sqlite3_finalize(drop);
  m_since_drop = 0;
}

Journal::~Journal() {
  ::sqlite3_close(m_db);
}

void Journal::record(const std::string& service, const std::string& kind,
                     const std::string& detail) {
  std::lock_guard lock(m_mutex);
  sqlite3_stmt* insert = nullptr;
  if (::sqlite3_prepare_v2(
          m_db, "INSERT INTO events (unix_ms, service, kind, detail) VALUES (?, ?, ?, ?)", -1,
          &insert, nullptr) != SQLITE_OK) {
    return;
  }
  ::sqlite3_bind_int64(insert, 1, now_unix_ms());
  ::sqlite3_bind_text(insert, 2, service.c_str(), -1, SQLITE_TRANSIENT);
  ::sqlite3_bind_text(insert, 3, kind.c_str(), -1, SQLITE_TRANSIENT);
  ::sqlite3_bind_text(insert, 4, detail.c_str(), -1, SQLITE_TRANSIENT);
  ::sqlite3_step(insert);
  ::sqlite3_finalize(insert);
  if (++m_since_drop >= std::clamp<std::size_t>(m_keep / 10, 1, 1000)) {
    drop_old_events();
  }
}

std::vector<JournalEvent> Journal::since(std::int64_t unix_ms, std::size_t limit) {
  std::lock_guard lock(m_mutex);
  std::vector<JournalEvent> events;
  sqlite3_stmt* query = nullptr;
  if (::sqlite3_prepare_v2(
          m_db,
          "SELECT id, unix_ms, service, kind, detail FROM events WHERE unix_ms >= ? "
          "ORDER BY id DESC LIMIT ?",
          -1, &query, nullptr) != SQLITE_OK) {
    return events;
  }
  ::sqlite3_bind_int64(query, 1, unix_ms);
  ::sqlite3_bind_int64(query, 2, static_cast<sqlite3_int64>(limit));
  while (::sqlite3_step(query) == SQLITE_ROW) {
    const auto text = [&](int column) {
      const auto* value = ::sqlite3_column_text(query, column);
      return value != nullptr ? std::string(reinterpret_cast<const char*>(value)) : std::string();
    };
    events.push_back({::sqlite3_column_int64(query, 0), ::sqlite3_column_int64(query, 1), text(2),
                      text(3), text(4)});
  }
  ::sqlite3_finalize(query);
  // Oldest first for reading, although the newest `limit` were selected.
  std::reverse(events.begin(), events.end());
  return events;
}

}  // namespace bosun::agent::state
