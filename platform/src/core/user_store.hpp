#pragma once
// Users in SQLite.

#include <cstdint>
#include <optional>
#include <string>

namespace platform {

class Database;

struct User {
  std::int64_t id = 0;
  std::string email;
  std::string password_hash;
  std::string role;
  std::optional<std::string> local_id;
};

class UserStore {
 public:
  explicit UserStore(Database& db) : m_db(db) {}

  // Creates a user; an empty `role` takes the schema's default. Throws ConstraintError when
  // the email is taken.
  User create(const std::string& email, const std::string& password_hash, const std::string& role);
  std::optional<User> find_by_email(const std::string& email);
  std::optional<User> find_by_id(std::int64_t id);
  // False when there is no such user; throws ConstraintError when the local id is taken.
  bool set_local_id(std::int64_t id, const std::string& local_id);
  std::int64_t count();

 private:
  Database& m_db;
};

}  // namespace platform
