#pragma once
// The app.yaml `bosun init` writes for a detected stack: its start command under the app
// server its users run (uvicorn, gunicorn, node, next start), a readiness check on its port,
// the installs its build needs, its database with built-in backups and its migration tool,
// and secrets by name only.

#include <string>

#include "project/stack_detection.hpp"

namespace bosun::controller::project {

// The manifest's text; `repo` goes in as written.
std::string draft_manifest(const DetectedStack& stack, const std::string& repo);

}  // namespace bosun::controller::project
