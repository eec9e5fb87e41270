# A plain ASGI app under uvicorn: /version names the release's VERSION and this process.
import json
import os
import pathlib
import time

if pathlib.Path("BROKEN").exists():
    raise RuntimeError("this release is broken: it fails at import")

if pathlib.Path("SLOW").exists():
    time.sleep(3)  # a slow start: a long hand-over, for the tests

VERSION = pathlib.Path("VERSION").read_text().strip()


async def app(scope, receive, send):
    if scope["type"] == "lifespan":
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                await send({"type": "lifespan.shutdown.complete"})
                return
    body = json.dumps({"version": VERSION, "pid": os.getpid()}).encode()
    await send({"type": "http.response.start", "status": 200,
                "headers": [(b"content-type", b"application/json")]})
    await send({"type": "http.response.body", "body": body})
