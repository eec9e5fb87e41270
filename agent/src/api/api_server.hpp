#pragma once
// The agent's API: HTTP/1.1 + JSON on a Unix socket (mode 0600, or 0660 for --api-group; each
// peer checked by its credentials: api/access_policy.hpp). Poco stays in the .cpp.
//
//   GET  /v1/status[?diagnose=1]             services and the agent (and why they are unhealthy)
//   POST /v1/services/NAME/start|stop|restart
//   GET  /v1/services/NAME/logs?lines=N      last lines; ?offset=K: text after byte K
//   GET  /v1/events?since=UNIX_MS&limit=N    the journal
//   GET  /v1/metrics                         Prometheus text
//   POST /v1/stop-all                        stop every service (reverse order), then exit
//   POST /v1/deploys?ref=R&who=W[&repo=&manifest=&playbook=&lock_wait_ms=]   202 {"run": KEY}
//   POST /v1/rollbacks?who=W[&to=&db=&force=1&window_ms=&lock_wait_ms=]      202 {"run": KEY}
//   GET  /v1/runs/KEY/events?after=N&wait_ms=M   events after the N-th, waiting up to M ms
//   GET  /v1/runs/current                    {"run": KEY} of the run in progress, or null
//   GET  /v1/ready                           the readiness report (bosun.report/1 JSON)

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "api/access_policy.hpp"

namespace bosun::agent::supervise {
class Supervisor;
}  // namespace bosun::agent::supervise
namespace bosun::agent::state {
class Journal;
}  // namespace bosun::agent::state
namespace bosun::agent::deploy {
class DeployRuns;
}  // namespace bosun::agent::deploy
namespace bosun::agent::report {
struct Diagnosis;
}  // namespace bosun::agent::report
namespace bosun::agent::supervise {
struct ServiceStatus;
}  // namespace bosun::agent::supervise

namespace bosun::agent::api {

// What the API asks of the rest of the agent; each may be empty (the route is then absent).
struct ApiHooks {
  std::function<std::string()> readiness;  // the readiness report's JSON, for /v1/ready
  std::function<report::Diagnosis(const std::vector<supervise::ServiceStatus>&)>
      diagnose;  // for ?diagnose=1
};

class ApiServer {
 public:
  // `runs` may be null: an agent without deploys (tests of supervision alone).
  ApiServer(const std::string& socket_path, supervise::Supervisor& supervisor,
            state::Journal& journal, deploy::DeployRuns* runs = nullptr, ApiHooks hooks = {},
            AccessPolicy access = owner_only_policy());
  ~ApiServer();
  ApiServer(const ApiServer&) = delete;
  ApiServer& operator=(const ApiServer&) = delete;

  // Throws std::runtime_error when the socket is in use by a live agent or cannot be bound.
  void start();
  void stop();

 private:
  struct Impl;
  std::unique_ptr<Impl> m_impl;
};

}  // namespace bosun::agent::api
