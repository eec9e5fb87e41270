// An items API: Express on Postgres (node-postgres). /health answers 503 while the database
// does not, so bosun's readiness gate waits for it and `bosun status` can name the database;
// /version names the release it runs from.
const fs = require("fs");
const path = require("path");
const express = require("express");
const { Pool } = require("pg");
const config = require("./config");

const version = fs.readFileSync(path.join(__dirname, "VERSION"), "utf8").trim();
const pool = new Pool({ connectionString: config.databaseUrl, connectionTimeoutMillis: 2000 });
const app = express();
app.use(express.json());

app.get("/health", async (req, res) => {
  try {
    await pool.query("SELECT 1");
    res.json({ status: "ok", version });
  } catch (error) {
    res.status(503).json({ status: "database unavailable", error: error.code || error.message });
  }
});

app.get("/version", (req, res) => res.json({ version }));

app.post("/items", async (req, res) => {
  const { rows } = await pool.query("INSERT INTO items (name) VALUES ($1) RETURNING id", [
    req.body.name,
  ]);
  res.status(201).json({ id: rows[0].id });
});

const server = app.listen(config.port, "127.0.0.1");

// On SIGTERM (bosun's stop signal) stop accepting, let in-flight requests finish, then exit.
process.on("SIGTERM", () => {
  server.close(() => pool.end().then(() => process.exit(0)));
});
