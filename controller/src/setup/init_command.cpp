// `bosun init`: an app.yaml for the repository it runs in. It recognises FastAPI and Flask
// (with alembic), Express (with knex) and Next.js and writes a manifest for that stack, or a
// commented template; a docker-compose.yml's services are listed as a starting point. Also a
// .bosun/secrets template (0600) and its .gitignore entries.
#include <sys/stat.h>

#include <filesystem>
#include <fstream>
#include <optional>

#include <Poco/JSON/Array.h>
#include <Poco/JSON/Object.h>

#include "bosun/common/cli.hpp"
#include "bosun/common/exit_codes.hpp"
#include "bosun/common/text.hpp"
#include "bosun/common/text_file.hpp"
#include "bosun/common/url.hpp"
#include "project/compose_import.hpp"
#include "project/manifest_draft.hpp"
#include "setup/setup_commands.hpp"

namespace bosun::controller::setup {
namespace {

namespace fs = std::filesystem;

const char* k_manifest_template =
    R"(# app.yaml: what bosun deploys and how it runs it. Check it with `bosun manifest check`.
# The reference is docs/MANIFEST.md; manifests/examples/platform.yaml is a full example.
app: myapp
# Where hosts fetch releases from (ssh or https; a deploy key or token goes in .bosun/secrets).
repo: git@github.com:me/myapp.git
# The app's directory on every host.
root: /srv/bosun/${app}
keep_releases: 5
# Paths in each release linked to shared/ on the host: state that survives releases.
shared: [data, .env]

stages:
  production:
    hosts: [deploy@203.0.113.10]

# Names only: the values live in .bosun/secrets (not in git) and reach shared/.env on hosts.
secrets: [SECRET_KEY]

env:
  DATABASE_URL: sqlite:///${shared}/data/app.db

build:
  - [make, build]

services:
  web:
    command: [bin/web]
    env: {PORT: "8080"}
    ready: {http: {url: "http://127.0.0.1:8080/health"}, timeout: 30s}
    # restart: the old instance stops, then the new one starts (a short gap). `overlap`
    # starts the new one beside the old on the same port: only for servers that set
    # SO_REUSEPORT and answer with their pid (body_contains: '"pid":${pid}'); others fail to
    # bind (EADDRINUSE) and the deploy rolls back. See docs/DEPLOY.md.
    deploy: restart

verify:
  window: 10s
  checks:
    - http: {url: "http://127.0.0.1:8080/health"}

requires:
  env: [SECRET_KEY, DATABASE_URL]
  ports_free: [8080]
  disk_free: 1GiB
)";

// The secrets template: every name the manifest lists, without values.
void write_secrets_template(const fs::path& secrets, const project::DetectedStack& stack) {
  if (fs::exists(secrets)) {
    return;
  }
  std::ofstream out(secrets);
  out << "# NAME=value, one per line. Never commit this file: bosun pushes it to\n"
         "# the hosts' shared/.env (mode 0600) with `bosun setup`.\n";
  if (stack.kind == project::StackKind::generic) {
    out << "SECRET_KEY=\n";
  } else if (stack.database != manifest::DatabaseKind::none) {
    out << "DATABASE_URL=\n";
  }
}

// .bosun/secrets and the history kept out of git.
void ignore_secrets(const fs::path& ignore) {
  const auto existing = read_text_file(ignore.string()).value_or("");
  if (existing.find(".bosun/secrets") == std::string::npos) {
    std::ofstream(ignore, std::ios::app)
        << (existing.empty() || existing.back() == '\n' ? "" : "\n")
        << ".bosun/secrets\n.bosun/history.db\n";
  }
}

}  // namespace

int init_command(const std::vector<std::string>& args, std::ostream& out, std::ostream& err) {
  const std::string command = "bosun init";
  std::string dir = ".";
  std::string config;
  std::string repo;
  std::string port;
  bool force = false;
  bool json = false;
  bool generic = false;
  std::string from;
  bosun::cli::ArgParser parser(
      command,
      "Start a project: an app.yaml for the stack found in DIR (FastAPI or Flask, with alembic; "
      "Express, with knex; Next.js; a docker-compose.yml's services listed as a starting "
      "point), or a commented template; a .bosun/secrets template (mode 0600) and "
      ".bosun/secrets added to .gitignore.");
  parser.option("dir", 0, "DIR", "the project directory (default: here)", dir)
      .option("config", 'c', "FILE",
              "the manifest to write (default: DIR/app.yaml); .bosun/ goes beside it", config)
      .option("repo", 0, "URL", "where hosts fetch releases from (default: a placeholder)", repo)
      .option("port", 0, "PORT", "the port the app listens on (default: found, else 8000/3000)",
              port)
      .option("from", 0, "COMPOSE-FILE",
              "convert a docker-compose.yml: its services run as containers (docs/CONTAINERS.md); "
              "what cannot be mapped is listed with its line",
              from)
      .flag("template", 0, "write the commented template, whatever the stack", generic)
      .flag("force", 0, "overwrite an existing app.yaml", force)
      .flag("json", 0, "print what was written as JSON", json);
  if (const auto code = parser.parse_or_exit_code(args, out, err)) {
    return *code;
  }
  const fs::path manifest = config.empty() ? fs::path(dir) / "app.yaml" : fs::path(config);
  const fs::path root = manifest.has_parent_path() ? manifest.parent_path() : fs::path(".");
  if (fs::exists(manifest) && !force) {
    err << command << ": " << manifest.string() << " exists (--force to overwrite)\n";
    return exit_code::k_invalid_input;
  }
  project::DetectedStack stack;
  if (!generic) {
    stack = project::detect_stack(dir);
  }
  if (!port.empty()) {
    const auto number = parse_port(port);
    if (!number) {
      err << command << ": --port " << port << ": a port is a number from 1 to 65535\n";
      return exit_code::k_invalid_input;
    }
    stack.port = *number;
  }
  std::optional<project::ComposeImport> imported;
  if (!from.empty()) {
    auto converted =
        project::import_compose(from, root, stack.app.empty() ? std::string("myapp") : stack.app,
                                repo.empty() ? "git@github.com:me/" + stack.app + ".git" : repo);
    if (!converted) {
      err << command << ": --from " << converted.error() << "\n";
      return exit_code::k_invalid_input;
    }
    imported = std::move(*converted);
  }
  fs::create_directories(root / ".bosun");
  if (imported) {
    std::ofstream(manifest) << imported->manifest;
  } else {
    std::ofstream(manifest) << (stack.kind == project::StackKind::generic
                                    ? std::string(k_manifest_template)
                                    : project::draft_manifest(
                                          stack, repo.empty()
                                                     ? "git@github.com:me/" + stack.app + ".git"
                                                     : repo));
  }
  const fs::path secrets = root / ".bosun" / "secrets";
  if (imported && !fs::exists(secrets)) {
    std::ofstream out_secrets(secrets);
    out_secrets << "# NAME=value, one per line. Never commit this file: bosun pushes it to\n"
                   "# the hosts' shared/.env (mode 0600) with `bosun setup`.\n";
    for (const auto& [name, value] : imported->secrets) {
      out_secrets << name << "=" << value << "\n";
    }
  }
  write_secrets_template(secrets, stack);
  ::chmod(secrets.c_str(), 0600);
  const fs::path ignore = root / ".gitignore";
  ignore_secrets(ignore);
  if (json) {
    Poco::JSON::Object body(Poco::JSON_PRESERVE_KEY_ORDER);
    body.set("manifest", manifest.string());
    body.set("stack", project::to_string(stack.kind));
    Poco::JSON::Array::Ptr evidence = new Poco::JSON::Array;
    for (const std::string& reason : stack.evidence) {
      evidence->add(reason);
    }
    body.set("found", evidence);
    body.set("secrets", secrets.string());
    body.set("gitignore", ignore.string());
    if (imported) {
      Poco::JSON::Array::Ptr unmapped = new Poco::JSON::Array;
      for (const std::string& line : imported->unmapped) {
        unmapped->add(line);
      }
      Poco::JSON::Array::Ptr notes = new Poco::JSON::Array;
      for (const std::string& line : imported->notes) {
        notes->add(line);
      }
      body.set("not_mapped", unmapped);
      body.set("notes", notes);
    }
    body.stringify(out);
    out << "\n";
  } else {
    if (imported) {
      out << "converted " << from << ": its services run as containers\n";
      for (const std::string& line : imported->notes) {
        out << "  note: " << line << "\n";
      }
      for (const std::string& line : imported->unmapped) {
        out << "  not mapped: " << line << "\n";
      }
    } else if (stack.kind != project::StackKind::generic) {
      out << "found a " << project::to_string(stack.kind) << " app: " << join(stack.evidence, "; ")
          << "\n";
    }
    out << "wrote " << manifest.string() << ", " << secrets.string()
        << " (0600) and .gitignore entries; edit " << manifest.filename().string()
        << ", then: bosun manifest check" << (config.empty() ? "" : " -c " + config) << "\n";
  }
  return exit_code::k_ok;
}

}  // namespace bosun::controller::setup
