#include "report/incident_diagnosis.hpp"

#include <netdb.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>

#include <algorithm>
#include <map>
#include <set>

#include "bosun/checks/check_runner.hpp"
#include "bosun/checks/host_checks.hpp"
#include "bosun/common/database_url.hpp"
#include "bosun/common/unique_fd.hpp"
#include "bosun/common/url.hpp"
#include "release/service_changes.hpp"

namespace bosun::agent::report {
namespace {

const std::map<std::string, std::uint16_t> k_default_ports{
    {"postgres", 5432}, {"postgresql", 5432}, {"mysql", 3306}, {"mariadb", 3306},
    {"redis", 6379},    {"rediss", 6379},     {"amqp", 5672},  {"mongodb", 27017}};

const supervise::ServiceSpec* spec_of(const release::ReleaseApp& app, const std::string& name) {
  const auto it = std::find_if(app.specs.begin(), app.specs.end(),
                               [&](const supervise::ServiceSpec& s) { return s.name == name; });
  return it == app.specs.end() ? nullptr : &*it;
}

struct Endpoint {
  std::string host;
  std::uint16_t port = 0;
};

// Where a service's readiness (or liveness) probe talks to it: its own listening address.
std::optional<Endpoint> probed_endpoint(const supervise::ServiceSpec& spec) {
  for (const auto* probe :
       {spec.ready ? &*spec.ready : nullptr, spec.liveness ? &*spec.liveness : nullptr}) {
    if (probe == nullptr) {
      continue;
    }
    if (const auto* tcp = std::get_if<manifest::TcpCheck>(&probe->check.kind)) {
      return Endpoint{tcp->host, tcp->port};
    }
    if (const auto* http = std::get_if<manifest::HttpCheck>(&probe->check.kind)) {
      if (const auto url = parse_http_url(http->url)) {
        return Endpoint{url->host, url->port};
      }
    }
  }
  return std::nullopt;
}

// Whether something listens on the address (a bind there fails with EADDRINUSE). Bound on
// that very address: several loopback "hosts" may use one port on different addresses.
bool listened_on(const Endpoint& endpoint) {
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_NUMERICSERV;
  addrinfo* found = nullptr;
  const std::string port = std::to_string(endpoint.port);
  if (::getaddrinfo(endpoint.host.c_str(), port.c_str(), &hints, &found) != 0) {
    return false;
  }
  bool in_use = false;
  const UniqueFd probe(::socket(found->ai_family, SOCK_STREAM | SOCK_CLOEXEC, 0));
  if (probe.valid()) {
    const int on = 1;
    ::setsockopt(probe.get(), SOL_SOCKET, SO_REUSEADDR, &on, sizeof on);
    in_use = ::bind(probe.get(), found->ai_addr, found->ai_addrlen) != 0 && errno == EADDRINUSE;
  }
  ::freeaddrinfo(found);
  return in_use;
}

}  // namespace

DependencyAddress dependency_address(const std::string& value) {
  DependencyAddress address;
  const auto separator = value.find("://");
  if (separator == std::string::npos) {
    return address;
  }
  std::string scheme = value.substr(0, separator);
  if (const auto plus = scheme.find('+'); plus != std::string::npos) {
    scheme = scheme.substr(0, plus);  // postgresql+psycopg2
  }
  const auto known = k_default_ports.find(scheme);
  if (known == k_default_ports.end()) {
    return address;
  }
  std::string rest = value.substr(separator + 3);
  rest = rest.substr(0, rest.find_first_of("/?"));
  if (const auto at = rest.rfind('@'); at != std::string::npos) {
    rest = rest.substr(at + 1);  // the credentials stay out
  }
  std::uint16_t port = known->second;
  if (const auto colon = rest.rfind(':'); colon != std::string::npos && rest.back() != ']') {
    try {
      port = static_cast<std::uint16_t>(std::stoi(rest.substr(colon + 1)));
    } catch (const std::exception&) {
      return address;
    }
    rest = rest.substr(0, colon);
  }
  if (rest.empty() || rest.find(',') != std::string::npos) {
    return address;  // a socket path or several hosts: not probed
  }
  address.scheme = scheme;
  address.host = rest.front() == '[' ? rest.substr(1, rest.size() - 2) : rest;
  address.port = port;
  return address;
}

namespace {

using Sick = std::vector<const supervise::ServiceStatus*>;

// 1. Services kept across deploys (not of the release), and what depends on them.
std::vector<SharedFault> kept_services_down(const release::ReleaseApp& app, const Sick& sick) {
  std::vector<SharedFault> faults;
  for (const supervise::ServiceStatus* status : sick) {
    const supervise::ServiceSpec* spec = spec_of(app, status->name);
    if (spec == nullptr || release::runs_from_release(*spec, app.dir)) {
      continue;
    }
    SharedFault fault{"service " + status->name + " (kept across releases)",
                      status->name + " is " + to_string(status->state) +
                          (status->last_exit.empty() ? "" : ", " + status->last_exit),
                      {status->name}};
    for (const supervise::ServiceStatus* other : sick) {
      const auto& needs = other->depends_on;
      if (std::find(needs.begin(), needs.end(), status->name) != needs.end()) {
        fault.services.push_back(other->name);
      }
    }
    faults.push_back(std::move(fault));
  }
  return faults;
}

// Whether a dependency answers: a database is connected to and asked SELECT 1 with the app's
// own URL (a refused password is as fatal as a refused connection); others by TCP.
checks::CheckResult reach(const std::string& variable, bool database,
                          const std::map<std::string, std::string>& env,
                          const DependencyAddress& address) {
  checks::CheckContext context;
  context.timeout = std::chrono::milliseconds(2000);
  if (!database) {
    return checks::run_tcp_check(manifest::TcpCheck{address.host, address.port}, context);
  }
  context.env = env;
  manifest::SqlServerCheck check;
  check.url_env = variable;
  return address.scheme.starts_with("postgres") ? checks::run_postgres_check({check}, context)
                                                : checks::run_mysql_check({check}, context);
}

// 2. Dependencies named by URLs in the services' environment that refuse connections (each
// address tried once).
std::vector<SharedFault> dependencies_down(const release::ReleaseApp& app, const Sick& sick) {
  std::map<std::string, SharedFault> by_address;
  for (const supervise::ServiceStatus* status : sick) {
    const supervise::ServiceSpec* spec = spec_of(app, status->name);
    if (spec == nullptr) {
      continue;
    }
    for (const auto& [variable, value] : spec->env) {
      const DependencyAddress address = dependency_address(value);
      if (address.scheme.empty()) {
        continue;
      }
      const auto database = parse_database_url(value);
      const std::string key = variable + (database ? " (the " + to_string(database->engine) +
                                                         " database at " + database->address() + ")"
                                                   : " (" + address.scheme + " at " + address.host +
                                                         ":" + std::to_string(address.port) + ")");
      auto found = by_address.find(key);
      if (found == by_address.end()) {
        const checks::CheckResult reached =
            reach(variable, database.has_value(), spec->env, address);
        if (reached.passed()) {
          by_address[key] = SharedFault{};  // reachable: not the cause
          continue;
        }
        found = by_address.emplace(key, SharedFault{key, reached.evidence, {}}).first;
      }
      if (!found->second.what.empty()) {
        found->second.services.push_back(status->name);
      }
    }
  }
  std::vector<SharedFault> faults;
  for (auto& [key, fault] : by_address) {
    faults.push_back(std::move(fault));
  }
  return faults;
}

// 3. A service's own port held by a process that is not the app's.
std::vector<SharedFault> ports_taken(const release::ReleaseApp& app, const Sick& sick,
                                     const std::set<int>& own_pids) {
  std::vector<SharedFault> faults;
  for (const supervise::ServiceStatus* status : sick) {
    const supervise::ServiceSpec* spec = spec_of(app, status->name);
    const auto endpoint = spec != nullptr ? probed_endpoint(*spec) : std::nullopt;
    // A running service listens on its port itself; one that is down (crash-looping on
    // EADDRINUSE, say) and finds its address taken has a holder to name.
    if (!endpoint || status->pid > 0 || !listened_on(*endpoint)) {
      continue;
    }
    const auto holder = checks::port_holder(endpoint->port);
    // The app's own: a service's pid, or a process in its group (gunicorn's workers).
    const bool own = holder && (own_pids.count(holder->pid) != 0 ||
                                own_pids.count(static_cast<int>(::getpgid(holder->pid))) != 0);
    if (holder && !own) {
      faults.push_back({"port " + endpoint->host + ":" + std::to_string(endpoint->port),
                        "held by " + (holder->pid > 0 ? "pid " + std::to_string(holder->pid) +
                                                            " (" + holder->command + ")"
                                                      : std::string("a process of another user")),
                        {status->name}});
    }
  }
  return faults;
}

}  // namespace

Diagnosis diagnose(const release::ReleaseApp& app,
                   const std::vector<supervise::ServiceStatus>& services) {
  Diagnosis diagnosis;
  Sick sick;
  std::set<int> own_pids;
  for (const supervise::ServiceStatus& status : services) {
    if (status.pid > 0) {
      own_pids.insert(status.pid);
    }
    if (status.state != supervise::ServiceState::ready && !supervise::finished_cleanly(status)) {
      sick.push_back(&status);
      diagnosis.unhealthy.push_back(status.name);
    }
  }
  if (sick.empty()) {
    return diagnosis;
  }
  std::set<std::string> explained;
  for (auto&& faults : {kept_services_down(app, sick), dependencies_down(app, sick),
                        ports_taken(app, sick, own_pids)}) {
    for (const SharedFault& fault : faults) {
      if (fault.services.empty()) {
        continue;
      }
      explained.insert(fault.services.begin(), fault.services.end());
      diagnosis.shared.push_back(fault);
    }
  }
  diagnosis.rollback_can_help = std::any_of(
      sick.begin(), sick.end(),
      [&](const supervise::ServiceStatus* status) { return explained.count(status->name) == 0; });
  return diagnosis;
}

}  // namespace bosun::agent::report
