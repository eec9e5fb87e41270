CREATE TABLE lessons (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  topic TEXT NOT NULL,
  mode TEXT NOT NULL CHECK (mode IN ('text', 'audio', 'quiz')),
  title TEXT NOT NULL,
  body TEXT NOT NULL,
  created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
);
CREATE TABLE feed_items (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  lesson_id INTEGER NOT NULL REFERENCES lessons(id) ON DELETE CASCADE,
  published_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
);
CREATE INDEX feed_items_by_time ON feed_items(published_at DESC, id DESC);
CREATE TABLE user_progress (
  user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  lesson_id INTEGER NOT NULL REFERENCES lessons(id) ON DELETE CASCADE,
  status TEXT NOT NULL DEFAULT 'started' CHECK (status IN ('started', 'completed')),
  updated_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
  PRIMARY KEY (user_id, lesson_id)
);
INSERT INTO lessons (topic, mode, title, body) VALUES
  ('deployment', 'text', 'What a release is',
   'A release is one immutable checkout of your app. Deploying switches a symlink to it; rolling back switches the symlink back.'),
  ('health checks', 'text', 'Liveness versus readiness',
   'Liveness says the process is alive. Readiness says it can serve: its database answers, its schema is current and its queue is reachable.'),
  ('migrations', 'quiz', 'Migrations quiz',
   '[{"q":"When is the database backed up?","a":"Before migrating"},{"q":"Who owns the down scripts?","a":"The newer release"}]');
INSERT INTO feed_items (lesson_id) SELECT id FROM lessons ORDER BY id;
