#pragma once
// What `bosun init` can tell about a repository from its files: the web framework (FastAPI,
// Flask, Express, Next.js), how it is started, its port, its database and migration tool, and
// a docker-compose.yml's services as a starting point. Pure reading: nothing is run.

#include <cstdint>
#include <string>
#include <vector>

#include "bosun/manifest/model.hpp"

namespace bosun::controller::project {

enum class StackKind { generic, fastapi, flask, express, nextjs };

std::string to_string(StackKind kind);

// A service of docker-compose.yml, as far as it maps to a bosun service.
struct ComposeService {
  std::string name;
  std::string image;  // or "build: <context>"
  std::vector<std::string> ports;
  std::vector<std::string> env_files;
  std::string healthcheck;  // the test, as written
  int line = 0;
};

struct DetectedStack {
  StackKind kind = StackKind::generic;
  std::string app;     // a valid app name, from package.json or the folder
  std::string module;  // python: "api.main:app"
  std::string entry;   // node: "server.js"
  std::uint16_t port = 8000;
  manifest::DatabaseKind database = manifest::DatabaseKind::none;
  bool alembic = false;               // alembic.ini
  bool knex = false;                  // knexfile.js
  bool requirements = false;          // requirements.txt
  bool lockfile = false;              // package-lock.json
  std::vector<std::string> evidence;  // why: "package.json depends on next", ...
  std::vector<ComposeService> compose;
};

DetectedStack detect_stack(const std::string& dir);

}  // namespace bosun::controller::project
