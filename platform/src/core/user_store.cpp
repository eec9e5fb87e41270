#include "core/user_store.hpp"

#include "core/sqlite_db.hpp"

namespace platform {

User UserStore::create(const std::string& email, const std::string& password_hash,
                       const std::string& role) {
  if (role.empty()) {
    m_db.prepare("INSERT INTO users (email, password_hash) VALUES (?, ?)")
        .bind(1, email)
        .bind(2, password_hash)
        .run();
  } else {
    m_db.prepare("INSERT INTO users (email, password_hash, role) VALUES (?, ?, ?)")
        .bind(1, email)
        .bind(2, password_hash)
        .bind(3, role)
        .run();
  }
  return *find_by_id(m_db.last_insert_id());
}

namespace {

const char* const k_user_columns = "SELECT id, email, password_hash, role, local_id FROM users ";

std::optional<User> read_user(Statement& query) {
  if (!query.step()) {
    return std::nullopt;
  }
  User user;
  user.id = query.column_int(0);
  user.email = query.column_text(1);
  user.password_hash = query.column_text(2);
  user.role = query.column_text(3);
  if (!query.column_is_null(4)) {
    user.local_id = query.column_text(4);
  }
  return user;
}

}  // namespace

std::optional<User> UserStore::find_by_email(const std::string& email) {
  auto query = m_db.prepare(std::string(k_user_columns) + "WHERE email = ?");
  query.bind(1, email);
  return read_user(query);
}

std::optional<User> UserStore::find_by_id(std::int64_t id) {
  auto query = m_db.prepare(std::string(k_user_columns) + "WHERE id = ?");
  query.bind(1, id);
  return read_user(query);
}

bool UserStore::set_local_id(std::int64_t id, const std::string& local_id) {
  m_db.prepare("UPDATE users SET local_id = ? WHERE id = ?").bind(1, local_id).bind(2, id).run();
  return m_db.changes() > 0;
}

std::int64_t UserStore::count() {
  auto query = m_db.prepare("SELECT COUNT(*) FROM users");
  query.step();
  return query.column_int(0);
}

}  // namespace platform
