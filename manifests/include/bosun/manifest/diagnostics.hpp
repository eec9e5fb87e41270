#pragma once
// Problems found while loading a manifest, each tied to a place in the file.

#include <string>
#include <vector>

#include "bosun/manifest/model.hpp"

namespace bosun::manifest {

enum class Severity { error, warning };

struct Diagnostic {
  Severity severity = Severity::error;
  std::string file;
  Location where;
  std::string path;     // e.g. "services.server.ready.timeout"; empty for the whole file
  std::string message;  // e.g. "\"30\" needs a unit, e.g. \"30s\""
};

// "app.yaml:14:12: error: services.server.ready.timeout: \"30\" needs a unit, ..."
std::string format_diagnostic(const Diagnostic& diagnostic);
// Every diagnostic, one per line.
std::string format_diagnostics(const std::vector<Diagnostic>& diagnostics);

class Diagnostics {
 public:
  explicit Diagnostics(std::string file) : m_file(std::move(file)) {}

  void error(Location where, std::string path, std::string message);
  void warning(Location where, std::string path, std::string message);

  bool has_errors() const;
  // Sorted by position, then by message, so the output is stable.
  std::vector<Diagnostic> sorted() const;
  const std::string& file() const { return m_file; }

 private:
  std::string m_file;
  std::vector<Diagnostic> m_items;
};

}  // namespace bosun::manifest
