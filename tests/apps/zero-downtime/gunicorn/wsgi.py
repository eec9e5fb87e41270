# A WSGI app under gunicorn: /version names the release's VERSION and the worker's pid.
import json
import os
import pathlib
import time

if pathlib.Path("BROKEN").exists():
    raise RuntimeError("this release is broken: it fails at import")

if pathlib.Path("SLOW").exists():
    time.sleep(3)  # a slow start: a long hand-over, for the tests

VERSION = pathlib.Path("VERSION").read_text().strip()


def app(environ, start_response):
    body = json.dumps({"version": VERSION, "pid": os.getpid()}).encode()
    start_response("200 OK", [("Content-Type", "application/json"),
                              ("Content-Length", str(len(body)))])
    return [body]
