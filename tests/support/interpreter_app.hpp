#pragma once
// Test support: an app run the way bosun's users run theirs, with programs from PATH reading
// their code from the release: `[python3, server.py]` (a JSON /health), `[python3, -m,
// http.server]` (static files from the release) and `[node, server.js]`. Each reports the
// VERSION of the release it was started from, so a test can ask what actually serves after a
// deploy. A "bad" version's server.py dies at start with a traceback, as a broken commit does.
// With DEPENDS_ON=host:port in its environment the python api's /health answers 503 while
// nothing listens there (an app whose database is down); its liveness probe then fails.

#include <map>
#include <string>

#include "git_repo.hpp"

namespace bosun::test {

class InterpreterApp {
 public:
  // `address`: where the services listen (${host} in the manifest resolves to it).
  explicit InterpreterApp(std::string address = "127.0.0.1");

  // The `services:` and `verify:` sections, listening on ${host}.
  std::string services_yaml() const;
  std::string verify_yaml() const;
  // Writes server.py, server.js, public/VERSION and VERSION for `version` into `repo`.
  void write_version(GitRepo& repo, const std::string& version, bool bad = false) const;

  // What each service answers now: {"python": "v2", "static": "v2", "node": "v2"}; a service
  // that does not answer maps to "".
  std::map<std::string, std::string> served() const { return served_at(m_address); }
  std::map<std::string, std::string> served_at(const std::string& address) const;
  // The same version everywhere: {"python": v, "static": v, "node": v}.
  static std::map<std::string, std::string> all(const std::string& version);

  // `deploy:` of the python api and the node web service ("restart" unless set).
  std::string api_deploy = "restart";
  std::string web_deploy = "restart";

  unsigned short python_port() const { return m_python_port; }
  unsigned short node_port() const { return m_node_port; }

 private:
  std::string m_address;
  unsigned short m_python_port;
  unsigned short m_static_port;
  unsigned short m_node_port;
};

}  // namespace bosun::test
