#include "core/task_store.hpp"

#include "core/sqlite_db.hpp"

namespace platform {

void TaskStore::create(const std::string& id, std::int64_t user_id, const std::string& topic,
                       const std::string& mode) {
  m_db.prepare("INSERT INTO tasks (id, user_id, topic, mode) VALUES (?, ?, ?, ?)")
      .bind(1, id)
      .bind(2, user_id)
      .bind(3, topic)
      .bind(4, mode)
      .run();
}

std::optional<Task> TaskStore::find(const std::string& id) {
  auto query = m_db.prepare(
      "SELECT id, user_id, topic, mode, status, attempts, lesson_id, COALESCE(error, ''), "
      "created_at, updated_at FROM tasks WHERE id = ?");
  query.bind(1, id);
  if (!query.step()) {
    return std::nullopt;
  }
  Task task;
  task.id = query.column_text(0);
  task.user_id = query.column_int(1);
  task.topic = query.column_text(2);
  task.mode = query.column_text(3);
  task.status = query.column_text(4);
  task.attempts = query.column_int(5);
  if (!query.column_is_null(6)) {
    task.lesson_id = query.column_int(6);
  }
  task.error = query.column_text(7);
  task.created_at = query.column_text(8);
  task.updated_at = query.column_text(9);
  return task;
}

void TaskStore::start_attempt(const std::string& id) {
  m_db.prepare(
          "UPDATE tasks SET status = 'running', attempts = attempts + 1, "
          "updated_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now') WHERE id = ?")
      .bind(1, id)
      .run();
}

void TaskStore::complete(const std::string& id, std::int64_t lesson_id) {
  m_db.prepare(
          "UPDATE tasks SET status = 'done', lesson_id = ?, error = NULL, "
          "updated_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now') WHERE id = ?")
      .bind(1, lesson_id)
      .bind(2, id)
      .run();
}

void TaskStore::set_status(const std::string& id, const std::string& status,
                           const std::string& error) {
  m_db.prepare(
          "UPDATE tasks SET status = ?, error = ?, "
          "updated_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now') WHERE id = ?")
      .bind(1, status)
      .bind(2, error)
      .bind(3, id)
      .run();
}

void TaskStore::retrying(const std::string& id, const std::string& error) {
  set_status(id, "retrying", error);
}

void TaskStore::fail(const std::string& id, const std::string& error) {
  set_status(id, "failed", error);
}

std::map<std::string, std::int64_t> TaskStore::count_by_status() {
  std::map<std::string, std::int64_t> counts{
      {"queued", 0}, {"running", 0}, {"retrying", 0}, {"done", 0}, {"failed", 0}};
  auto query = m_db.prepare("SELECT status, COUNT(*) FROM tasks GROUP BY status");
  while (query.step()) {
    counts[query.column_text(0)] = query.column_int(1);
  }
  return counts;
}

}  // namespace platform
