#include "core/content_store.hpp"

#include "core/sqlite_db.hpp"

namespace platform {

std::vector<FeedItem> ContentStore::feed(int limit) {
  auto query = m_db.prepare(
      "SELECT f.id, f.published_at, l.id, l.topic, l.mode, l.title, l.body, l.created_at "
      "FROM feed_items f JOIN lessons l ON l.id = f.lesson_id "
      "ORDER BY f.published_at DESC, f.id DESC LIMIT ?");
  query.bind(1, static_cast<std::int64_t>(limit));
  std::vector<FeedItem> items;
  while (query.step()) {
    FeedItem item;
    item.id = query.column_int(0);
    item.published_at = query.column_text(1);
    item.lesson = {query.column_int(2),  query.column_text(3), query.column_text(4),
                   query.column_text(5), query.column_text(6), query.column_text(7)};
    items.push_back(std::move(item));
  }
  return items;
}

std::int64_t ContentStore::publish(const std::string& topic, const std::string& mode,
                                   const std::string& title, const std::string& body) {
  m_db.prepare("INSERT INTO lessons (topic, mode, title, body) VALUES (?, ?, ?, ?)")
      .bind(1, topic)
      .bind(2, mode)
      .bind(3, title)
      .bind(4, body)
      .run();
  const std::int64_t lesson_id = m_db.last_insert_id();
  m_db.prepare("INSERT INTO feed_items (lesson_id) VALUES (?)").bind(1, lesson_id).run();
  return lesson_id;
}

std::optional<Lesson> ContentStore::lesson(std::int64_t id) {
  auto query =
      m_db.prepare("SELECT id, topic, mode, title, body, created_at FROM lessons WHERE id = ?");
  query.bind(1, id);
  if (!query.step()) {
    return std::nullopt;
  }
  return Lesson{query.column_int(0),  query.column_text(1), query.column_text(2),
                query.column_text(3), query.column_text(4), query.column_text(5)};
}

std::int64_t ContentStore::lesson_count() {
  auto query = m_db.prepare("SELECT COUNT(*) FROM lessons");
  query.step();
  return query.column_int(0);
}

std::int64_t ContentStore::feed_count() {
  auto query = m_db.prepare("SELECT COUNT(*) FROM feed_items");
  query.step();
  return query.column_int(0);
}

}  // namespace platform
