DROP TABLE user_progress;
DROP INDEX feed_items_by_time;
DROP TABLE feed_items;
DROP TABLE lessons;
