// A bad commit: a settings module that throws, so node exits at start.
throw new Error("v3 is broken: PORT_FILE was never committed");
