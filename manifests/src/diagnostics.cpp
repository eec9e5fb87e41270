#include "bosun/manifest/diagnostics.hpp"

#include <algorithm>
#include <tuple>

namespace bosun::manifest {

std::string format_diagnostic(const Diagnostic& diagnostic) {
  std::string out = diagnostic.file;
  if (diagnostic.where.line > 0) {
    out +=
        ":" + std::to_string(diagnostic.where.line) + ":" + std::to_string(diagnostic.where.column);
  }
  out += diagnostic.severity == Severity::error ? ": error: " : ": warning: ";
  if (!diagnostic.path.empty()) {
    out += diagnostic.path + ": ";
  }
  out += diagnostic.message;
  return out;
}

std::string format_diagnostics(const std::vector<Diagnostic>& diagnostics) {
  std::string text;
  for (const Diagnostic& diagnostic : diagnostics) {
    text += format_diagnostic(diagnostic) + "\n";
  }
  return text;
}

void Diagnostics::error(Location where, std::string path, std::string message) {
  m_items.push_back({Severity::error, m_file, where, std::move(path), std::move(message)});
}

void Diagnostics::warning(Location where, std::string path, std::string message) {
  m_items.push_back({Severity::warning, m_file, where, std::move(path), std::move(message)});
}

bool Diagnostics::has_errors() const {
  return std::any_of(m_items.begin(), m_items.end(),
                     [](const Diagnostic& d) { return d.severity == Severity::error; });
}

std::vector<Diagnostic> Diagnostics::sorted() const {
  std::vector<Diagnostic> items = m_items;
  std::stable_sort(items.begin(), items.end(), [](const Diagnostic& a, const Diagnostic& b) {
    return std::tie(a.where.line, a.where.column, a.message) <
           std::tie(b.where.line, b.where.column, b.message);
  });
  // The same problem found twice (e.g. through a YAML alias) is reported once.
  items.erase(std::unique(items.begin(), items.end(),
                          [](const Diagnostic& a, const Diagnostic& b) {
                            return a.where.line == b.where.line &&
                                   a.where.column == b.where.column && a.path == b.path &&
                                   a.message == b.message;
                          }),
              items.end());
  return items;
}

}  // namespace bosun::manifest
