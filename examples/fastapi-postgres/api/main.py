"""A small notes API: FastAPI on uvicorn, SQLAlchemy on Postgres, schema by alembic.

/health answers 503 while the database does not (bosun's readiness gate waits for 200);
/version says which release serves, read from the VERSION file of the release it runs from.
"""
import os
from pathlib import Path

from fastapi import FastAPI, Response
from pydantic import BaseModel
from sqlalchemy import create_engine, text

RELEASE = Path(__file__).resolve().parent.parent
VERSION = (RELEASE / "VERSION").read_text().strip()
engine = create_engine(os.environ["DATABASE_URL"], pool_pre_ping=True)
app = FastAPI()


class Note(BaseModel):
    body: str


@app.get("/health")
def health(response: Response):
    try:
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))
    except Exception as error:  # the database is down: not ready, say why
        response.status_code = 503
        return {"status": "database unavailable", "error": type(error).__name__}
    return {"status": "ok", "version": VERSION}


@app.get("/version")
def version():
    return {"version": VERSION}


@app.post("/notes", status_code=201)
def add_note(note: Note):
    with engine.begin() as connection:
        row = connection.execute(
            text("INSERT INTO notes (body) VALUES (:body) RETURNING id"), {"body": note.body}
        ).one()
    return {"id": row.id}


@app.get("/notes")
def list_notes():
    with engine.connect() as connection:
        rows = connection.execute(text("SELECT id, body FROM notes ORDER BY id")).all()
    return {"notes": [{"id": row.id, "body": row.body} for row in rows]}
