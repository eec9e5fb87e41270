-- Exactly the users table of 0001 again; local_id values are dropped, every row is kept.
CREATE TABLE users_scratch AS SELECT * FROM users;
DROP TABLE users;
CREATE TABLE users (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  email TEXT NOT NULL UNIQUE,
  password_hash TEXT NOT NULL,
  role TEXT NOT NULL DEFAULT 'learner',
  created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
);
INSERT INTO users (id, email, password_hash, role, created_at)
  SELECT id, email, password_hash, role, created_at FROM users_scratch;
DROP TABLE users_scratch;
