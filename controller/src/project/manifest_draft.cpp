#include "project/manifest_draft.hpp"

#include <sstream>

#include "bosun/common/text.hpp"

namespace bosun::controller::project {

namespace {

std::string python_build(const DetectedStack& stack) {
  if (!stack.requirements) {
    return "";
  }
  return "build:\n"
         "  python:                       # a virtualenv per release; pip's cache is shared\n"
         "    requirements: requirements.txt\n"
         "    interpreter: /usr/bin/python3   # the distribution's python3 ...\n"
         "    system_site_packages: true      # ... and its python3-* packages count too\n\n";
}

std::string python_bin(const DetectedStack& stack) {
  return stack.requirements ? ".venv/bin/python" : "python3";
}

std::string node_build(const DetectedStack& stack, const std::string& commands) {
  return std::string("build:\n") +
         (stack.lockfile ? "  node: ci                 # node_modules linked from the live release "
                           "while package-lock.json is unchanged\n"
                         : "  node: install            # no package-lock.json: commit one for "
                           "npm ci and node_modules reuse\n") +
         commands + "\n";
}

std::string database_section(const DetectedStack& stack) {
  if (stack.database == manifest::DatabaseKind::none) {
    return "";
  }
  std::string text = "database:\n  kind: ";
  text += stack.database == manifest::DatabaseKind::postgres ? "postgres" : "mysql";
  text +=
      "               # bosun backs it up before each migrate (pg_dump / mysqldump)\n"
      "  url_env: DATABASE_URL        # in .bosun/secrets, pushed to shared/.env\n";
  if (stack.alembic) {
    const std::string python = python_bin(stack);
    text += "  migrate:\n    up: [" + python + ", -m, alembic, upgrade, head]\n    down: [" +
            python + ", -m, alembic, downgrade, \"${version}\"]\n    version: [" + python +
            ", -m, alembic, current]\n    base: base\n";
  } else if (stack.knex) {
    text +=
        "  migrate:\n"
        "    up: [node_modules/.bin/knex, migrate:latest]\n"
        "    # knex prints \"Current Version: 20240201000000\" (or none): the version alone\n"
        "    version: {sh: \"node_modules/.bin/knex migrate:currentVersion | sed -n "
        "'s/^Current Version: //p' | grep -v '^none$' || true\"}\n"
        "    down: {sh: 'while v=$(node_modules/.bin/knex migrate:currentVersion | sed -n "
        "\"s/^Current Version: //p\"); [ \"$v\" != none ] && [ \"$v\" \\> \"${version}\" ]; "
        "do node_modules/.bin/knex migrate:down || exit 1; done'}\n"
        "    base: \"0\"\n";
  }
  return text + "\n";
}

std::string service(const std::string& name, const std::string& command, std::uint16_t port,
                    const std::string& health, const std::string& stop_comment) {
  const std::string url = "http://127.0.0.1:" + std::to_string(port) + health;
  return "services:\n  " + name + ":\n    command: " + command +
         "\n    ready:\n      http: {url: \"" + url +
         "\", status: 200}\n      timeout: 60s\n"
         "    # restart: the old instance stops, then the new one starts (a short gap).\n"
         "    deploy: restart\n    stop: {signal: TERM, timeout: 20s}   # " +
         stop_comment + "\n\nverify:\n  window: 5s\n  checks:\n    - http: {url: \"" + url +
         "\", status: 200}\n";
}

// For servers that take a socket (uvicorn --fd, gunicorn's LISTEN_FDS): the agent binds the
// port and hands it from the old instance to the new one, so a deploy refuses nothing.
std::string service_on_socket(const std::string& name, const std::string& command,
                              std::uint16_t port, const std::string& ready_line,
                              const std::string& stop_comment) {
  const std::string address = "127.0.0.1:" + std::to_string(port);
  return "services:\n  " + name + ":\n    command: " + command + "\n    listen: " + address +
         "   # the agent binds it and hands it to each instance (fd 3)\n"
         "    # handoff: the old instance serves until the new one is ready; nothing is "
         "refused.\n    deploy: handoff\n    ready:\n      log: \"" +
         ready_line +
         "\"   # the new instance's own line (the old one answers on the port)\n"
         "      timeout: 60s\n    stop: {signal: TERM, timeout: 20s}   # " +
         stop_comment + "\n\nverify:\n  window: 5s\n  checks:\n    - http: {url: \"http://" +
         address + "/health\", status: 200}\n";
}

std::string services_section(const DetectedStack& stack) {
  const std::string port = std::to_string(stack.port);
  switch (stack.kind) {
    case StackKind::fastapi:
      return service_on_socket(
          "api",
          "[" + python_bin(stack) + ", -m, uvicorn, " + stack.module + ", --fd, \"${listen_fd}\"]",
          stack.port, "Uvicorn running on", "uvicorn finishes in-flight requests on SIGTERM");
    case StackKind::flask:
      // --preload: the app is imported before "Listening at:"; LISTEN_FDS is read by itself.
      return service_on_socket(
          "web",
          "[" + python_bin(stack) + ", -m, gunicorn, --preload, --workers, \"2\", \"" +
              stack.module + "\"]",
          stack.port, "Listening at:", "gunicorn lets its workers finish their requests");
    case StackKind::express:
      return service("api", "[node, " + stack.entry + "]", stack.port, "/health",
                     "call server.close() on SIGTERM to finish in-flight requests");
    case StackKind::nextjs:
      return service(
          "web", "[node_modules/.bin/next, start, --port, \"" + port + "\", --hostname, 127.0.0.1]",
          stack.port, "/", "next start finishes in-flight requests on SIGTERM");
    case StackKind::generic:
      break;
  }
  return service("web", "[bin/web]", stack.port, "/health", "graceful stop, then SIGKILL");
}

std::string compose_notes(const DetectedStack& stack) {
  if (stack.compose.empty()) {
    return "";
  }
  std::string text =
      "\n# From docker-compose.yml, as a starting point (bosun runs processes, not containers):\n";
  for (const ComposeService& service : stack.compose) {
    text += "#   " + service.name + " (line " + std::to_string(service.line) +
            "): " + (service.image.empty() ? "no image" : service.image);
    if (!service.ports.empty()) {
      text += "; ports " + join(service.ports, ", ");
    }
    if (!service.env_files.empty()) {
      text += "; env_file " + join(service.env_files, ", ") + " (its values go in .bosun/secrets)";
    }
    if (!service.healthcheck.empty()) {
      text += "; healthcheck " + service.healthcheck + " (a ready: check)";
    }
    text += "\n";
  }
  return text;
}

}  // namespace

std::string draft_manifest(const DetectedStack& stack, const std::string& repo) {
  std::ostringstream out;
  const std::string kind = to_string(stack.kind);
  out << "# app.yaml for " << (kind == "Express" ? "an " : "a ") << kind
      << " app, written by `bosun init` from: "
      << (stack.evidence.empty() ? std::string("nothing recognised") : join(stack.evidence, "; "))
      << ".\n# Check it with `bosun manifest check`; the reference is docs/MANIFEST.md.\n"
      << "app: " << stack.app << "\nrepo: " << repo << "\nkeep_releases: 5\n\n"
      << "stages:\n  production:\n    hosts: [deploy@203.0.113.10]\n\n";
  const bool database = stack.database != manifest::DatabaseKind::none;
  if (database) {
    out << "# Names only: the values live in .bosun/secrets (not in git) and reach shared/.env.\n"
        << "secrets: [DATABASE_URL]\n\n";
  }
  switch (stack.kind) {
    case StackKind::fastapi:
    case StackKind::flask:
      out << python_build(stack);
      break;
    case StackKind::express:
      out << node_build(stack, "");
      break;
    case StackKind::nextjs:
      out << "env:\n  NODE_ENV: production\n  NEXT_TELEMETRY_DISABLED: \"1\"\n\n"
          << node_build(stack,
                        "  commands:\n    - [node_modules/.bin/next, build]\n  timeout: 15m\n");
      break;
    case StackKind::generic:
      out << "build:\n  - [make, build]\n\n";
      break;
  }
  out << database_section(stack) << services_section(stack);
  if (database) {
    out << "    - " << (stack.database == manifest::DatabaseKind::postgres ? "postgres" : "mysql")
        << ": {}\n";
  }
  out << "\nrequires:\n  env: [" << (database ? "DATABASE_URL" : "") << "]\n  ports_free: ["
      << stack.port << "]\n";
  out << compose_notes(stack);
  return out.str();
}

}  // namespace bosun::controller::project
