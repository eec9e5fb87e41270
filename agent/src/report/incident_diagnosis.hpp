#pragma once
// Why services are unhealthy, when the cause is shared by every release: a service kept across
// deploys (Redis, a database server the agent runs), a dependency the app's environment points
// at (DATABASE_URL, REDIS_URL: postgres, mysql, redis, amqp, mongodb URLs) that refuses
// connections, or the service's port held by a process that is not the app's. A rollback
// cannot help then (the previous release uses the same database), and `bosun status` says so
// instead of proposing one.

#include <string>
#include <vector>

#include "release/release_app.hpp"
#include "supervise/supervisor.hpp"

namespace bosun::agent::report {

struct SharedFault {
  std::string what;                   // "DATABASE_URL (postgres at 127.0.0.1:5432)"
  std::string evidence;               // "connection refused", "redis is crash-loop"
  std::vector<std::string> services;  // the unhealthy services it explains
};

struct Diagnosis {
  std::vector<std::string> unhealthy;  // services not ready
  std::vector<SharedFault> shared;
  // Some unhealthy service is not explained by a shared fault: the release may be the cause.
  bool rollback_can_help = false;
};

// `services`: the supervisor's snapshot. Connects to the dependencies it names (loopback or
// wherever the URLs point), one short attempt each, only when something is unhealthy.
Diagnosis diagnose(const release::ReleaseApp& app,
                   const std::vector<supervise::ServiceStatus>& services);

// "postgres://user:secret@db:5432/app" -> {"postgres", "db", 5432}; the credentials are never
// kept. Empty scheme when `value` is not such a URL.
struct DependencyAddress {
  std::string scheme;
  std::string host;
  std::uint16_t port = 0;
};
DependencyAddress dependency_address(const std::string& value);

}  // namespace bosun::agent::report
