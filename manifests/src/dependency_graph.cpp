#include "dependency_graph.hpp"

#include <algorithm>
#include <set>

#include "bosun/common/suggest.hpp"
#include "bosun/common/text.hpp"

namespace bosun::manifest::detail {
namespace {

enum class Mark { unvisited, in_progress, done };

class CycleFinder {
 public:
  CycleFinder(const std::vector<Service>& services, Diagnostics& diagnostics)
      : m_services(services), m_diagnostics(diagnostics), m_marks(services.size()) {}

  void run() {
    for (std::size_t i = 0; i < m_services.size(); ++i) {
      if (m_marks[i] == Mark::unvisited) {
        visit(i);
      }
    }
  }

 private:
  std::optional<std::size_t> index_of(const std::string& name) const {
    for (std::size_t i = 0; i < m_services.size(); ++i) {
      if (m_services[i].name == name) {
        return i;
      }
    }
    return std::nullopt;
  }

  void visit(std::size_t index) {
    m_marks[index] = Mark::in_progress;
    m_stack.push_back(index);
    const Service& service = m_services[index];
    for (std::size_t d = 0; d < service.depends_on.size(); ++d) {
      const auto target = index_of(service.depends_on[d]);
      if (!target || *target == index) {
        continue;  // unknown names and self-dependencies are reported separately
      }
      if (m_marks[*target] == Mark::in_progress) {
        report_cycle(*target, service.depends_on_where[d]);
      } else if (m_marks[*target] == Mark::unvisited) {
        visit(*target);
      }
    }
    m_stack.pop_back();
    m_marks[index] = Mark::done;
  }

  void report_cycle(std::size_t start, Location where) {
    const auto from = std::find(m_stack.begin(), m_stack.end(), start);
    std::vector<std::string> names;
    for (auto it = from; it != m_stack.end(); ++it) {
      names.push_back(m_services[*it].name);
    }
    // Report each cycle once, however it was entered: key it by its sorted members.
    std::vector<std::string> key = names;
    std::sort(key.begin(), key.end());
    if (!m_reported.insert(join(key, ",")).second) {
      return;
    }
    names.push_back(m_services[start].name);
    m_diagnostics.error(where, "services." + m_services[m_stack.back()].name + ".depends_on",
                        "dependency cycle: " + join(names, " -> "));
  }

  const std::vector<Service>& m_services;
  Diagnostics& m_diagnostics;
  std::vector<Mark> m_marks;
  std::vector<std::size_t> m_stack;
  std::set<std::string> m_reported;
};

}  // namespace

void check_dependencies(const std::vector<Service>& services, Diagnostics& diagnostics) {
  std::vector<std::string> names;
  for (const Service& service : services) {
    names.push_back(service.name);
  }
  for (const Service& service : services) {
    for (std::size_t d = 0; d < service.depends_on.size(); ++d) {
      const std::string& dependency = service.depends_on[d];
      const std::string path = "services." + service.name + ".depends_on";
      if (dependency == service.name) {
        diagnostics.error(service.depends_on_where[d], path,
                          "service " + quote_for_message(service.name) + " depends on itself");
      } else if (std::find(names.begin(), names.end(), dependency) == names.end()) {
        const auto suggestion = closest_match(dependency, names);
        diagnostics.error(service.depends_on_where[d], path,
                          "unknown service " + quote_for_message(dependency) +
                              (suggestion ? " (did you mean \"" + *suggestion + "\"?)"
                                          : "; services: " + join(names, ", ")));
      }
    }
  }
  CycleFinder(services, diagnostics).run();
}

void check_database_service(const Manifest& manifest, Diagnostics& diagnostics) {
  const std::string& name = manifest.database.service;
  if (name.empty()) {
    return;
  }
  const auto service =
      std::find_if(manifest.services.begin(), manifest.services.end(),
                   [&](const Service& candidate) { return candidate.name == name; });
  if (service == manifest.services.end()) {
    std::vector<std::string> names;
    for (const Service& candidate : manifest.services) {
      names.push_back(candidate.name);
    }
    const auto suggestion = closest_match(name, names);
    diagnostics.error(manifest.database.service_where, "database.service",
                      "unknown service " + quote_for_message(name) +
                          (suggestion ? " (did you mean \"" + *suggestion + "\"?)"
                                      : "; services: " + join(names, ", ")));
  } else if (!service->depends_on.empty()) {
    // It is started alone, before the backup and migrate, ahead of every other service.
    diagnostics.error(service->depends_on_where.front(), "services." + name + ".depends_on",
                      "the database's service starts before the others (database.service), so "
                      "it cannot depend on " +
                          quote_for_message(service->depends_on.front()));
  }
}

}  // namespace bosun::manifest::detail
