"""A small orders service: Flask under gunicorn, SQLAlchemy with PyMySQL on MariaDB, schema by
alembic. /health answers 503 while the database does not; /version names the release.
"""
import os
from pathlib import Path

from flask import Flask, jsonify, request
from sqlalchemy import create_engine, text

RELEASE = Path(__file__).resolve().parent.parent
VERSION = (RELEASE / "VERSION").read_text().strip()
engine = create_engine(os.environ["DATABASE_URL"], pool_pre_ping=True)
app = Flask(__name__)


@app.get("/health")
def health():
    try:
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))
    except Exception as error:  # the database is down: not ready, say why
        return jsonify(status="database unavailable", error=type(error).__name__), 503
    return jsonify(status="ok", version=VERSION)


@app.get("/version")
def version():
    return jsonify(version=VERSION)


@app.post("/orders")
def add_order():
    item = request.get_json(force=True)["item"]
    with engine.begin() as connection:
        result = connection.execute(text("INSERT INTO orders (item) VALUES (:item)"), {"item": item})
    return jsonify(id=result.lastrowid), 201
