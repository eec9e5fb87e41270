#pragma once
// The agent's API: HTTP/1.1 + JSON on a Unix socket (mode 0660). Poco stays in the .cpp.
//
//   GET  /v1/status                          services and the agent
//   POST /v1/services/NAME/start|stop|restart
//   GET  /v1/services/NAME/logs?lines=N      last lines; ?offset=K: text after byte K
//   GET  /v1/events?since=UNIX_MS&limit=N    the journal
//   GET  /v1/metrics                         Prometheus text
//   POST /v1/stop-all                        stop every service (reverse order), then exit

#include <memory>
#include <string>

namespace bosun::agent {

class Supervisor;
class Journal;

class ApiServer {
 public:
  ApiServer(const std::string& socket_path, Supervisor& supervisor, Journal& journal);
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

}  // namespace bosun::agent
