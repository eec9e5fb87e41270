# A bad commit: the package no longer imports, so gunicorn's workers fail to boot.
raise RuntimeError("v3 is broken: a settings module that was never committed")
