-- The seed's own production migration: users get a local_id, and new users are guests
-- until promoted. SQLite cannot change a column default in place, so the table is rebuilt;
-- copying through a scratch table keeps every row and the exact CREATE text.
CREATE TABLE users_scratch AS SELECT * FROM users;
DROP TABLE users;
CREATE TABLE users (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  email TEXT NOT NULL UNIQUE,
  password_hash TEXT NOT NULL,
  role TEXT NOT NULL DEFAULT 'guest',
  created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
  local_id TEXT UNIQUE
);
INSERT INTO users (id, email, password_hash, role, created_at)
  SELECT id, email, password_hash, role, created_at FROM users_scratch;
DROP TABLE users_scratch;
