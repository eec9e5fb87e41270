// Settings read once at start. The database URL (with its password) is DATABASE_URL in
// shared/.env on the host, never in the repository.
module.exports = {
  port: 8000,
  databaseUrl: process.env.DATABASE_URL,
};
