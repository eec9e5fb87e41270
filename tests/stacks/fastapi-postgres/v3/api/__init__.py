# A bad commit: the package no longer imports, so uvicorn exits at start.
raise RuntimeError("v3 is broken: a settings module that was never committed")
