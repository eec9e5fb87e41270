#pragma once
// Content-generation tasks in SQLite: queued -> running -> done | retrying | failed.

#include <cstdint>
#include <map>
#include <optional>
#include <string>

namespace platform {

class Database;

struct Task {
  std::string id;
  std::int64_t user_id = 0;
  std::string topic;
  std::string mode;
  std::string status;
  std::int64_t attempts = 0;
  std::optional<std::int64_t> lesson_id;
  std::string error;
  std::string created_at;
  std::string updated_at;
};

class TaskStore {
 public:
  explicit TaskStore(Database& db) : m_db(db) {}

  void create(const std::string& id, std::int64_t user_id, const std::string& topic,
              const std::string& mode);
  std::optional<Task> find(const std::string& id);
  // Counts one more attempt and marks the task running.
  void start_attempt(const std::string& id);
  void complete(const std::string& id, std::int64_t lesson_id);
  void retrying(const std::string& id, const std::string& error);
  void fail(const std::string& id, const std::string& error);
  std::map<std::string, std::int64_t> count_by_status();

 private:
  void set_status(const std::string& id, const std::string& status, const std::string& error);

  Database& m_db;
};

}  // namespace platform
