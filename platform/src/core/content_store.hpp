#pragma once
// Lessons (micro-units) and the feed that lists them, in SQLite.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace platform {

class Database;

struct Lesson {
  std::int64_t id = 0;
  std::string topic;
  std::string mode;  // text | audio | quiz
  std::string title;
  std::string body;
  std::string created_at;
};

struct FeedItem {
  std::int64_t id = 0;
  std::string published_at;
  Lesson lesson;
};

class ContentStore {
 public:
  explicit ContentStore(Database& db) : m_db(db) {}

  // Newest first.
  std::vector<FeedItem> feed(int limit);
  // Stores a lesson and publishes it to the feed; returns the lesson id. Call inside a
  // transaction when it must be atomic with other writes.
  std::int64_t publish(const std::string& topic, const std::string& mode, const std::string& title,
                       const std::string& body);
  std::optional<Lesson> lesson(std::int64_t id);
  std::int64_t lesson_count();
  std::int64_t feed_count();

 private:
  Database& m_db;
};

}  // namespace platform
