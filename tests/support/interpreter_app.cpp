#include "interpreter_app.hpp"

#include <sstream>

#include "child_process.hpp"
#include "http_client.hpp"

namespace bosun::test {
namespace {

const char* k_server_py = R"(import json
import os
import socket
import sys
from http.server import BaseHTTPRequestHandler, HTTPServer

VERSION = open("VERSION").read().strip()
DEPENDENCY = os.environ.get("DEPENDS_ON", "")  # "host:port" it needs, like its database


def dependency_up():
    if not DEPENDENCY:
        return True
    host, port = DEPENDENCY.rsplit(":", 1)
    try:
        socket.create_connection((host, int(port)), timeout=1).close()
        return True
    except OSError:
        return False


class Health(BaseHTTPRequestHandler):
    def do_GET(self):
        body = json.dumps({"version": VERSION, "pid": os.getpid()}).encode()
        healthy = dependency_up()  # like an Express /health: 503 while its database is down
        self.send_response((200 if healthy else 503) if self.path == "/health" else 404)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format, *args):
        sys.stderr.write("%s %s\n" % (VERSION, format % args))


print("python server", VERSION, "pid", os.getpid(), flush=True)
HTTPServer((os.environ["BIND"], int(os.environ["PORT"])), Health).serve_forever()
)";

// A broken commit: the app fails while loading its settings.
const char* k_bad_prelude = R"(import os
SETTINGS = {"database": os.environ["BOSUN_FIXTURE_SETTING_THAT_IS_NOT_SET"]}
)";

const char* k_server_js = R"(const http = require("http");
const fs = require("fs");
const version = fs.readFileSync("VERSION", "utf8").trim();
http
  .createServer((req, res) => {
    const body = JSON.stringify({ version, pid: process.pid });
    res.writeHead(req.url === "/health" ? 200 : 404, { "Content-Type": "application/json" });
    res.end(body);
  })
  .listen(Number(process.env.PORT), process.env.BIND, () => {
    console.log(`node server ${version} pid ${process.pid}`);
  });
)";

std::string version_in(const HttpResult& result, bool json) {
  if (result.status != 200) {
    return "";
  }
  if (!json) {
    std::string text = result.body;
    while (!text.empty() && (text.back() == '\n' || text.back() == '\r')) {
      text.pop_back();
    }
    return text;
  }
  return result.json()->getValue<std::string>("version");
}

std::string ask(const std::string& address, unsigned short port, const std::string& path,
                bool json) {
  try {
    return version_in(http_at(address, port, "GET", path), json);
  } catch (const std::exception&) {
    return "";
  }
}

}  // namespace

InterpreterApp::InterpreterApp(std::string address)
    : m_address(std::move(address)),
      m_python_port(free_port()),
      m_static_port(free_port()),
      m_node_port(free_port()) {}

std::string InterpreterApp::services_yaml() const {
  // Under overlap the old instance answers on the port too: only an answer naming the new
  // instance's pid counts (json.dumps writes "pid": N, JSON.stringify "pid":N).
  const auto ready = [](unsigned short port, const std::string& path,
                        const std::string& own_pid = "") {
    return "    ready: {http: {url: 'http://${host}:" + std::to_string(port) + path + "'" +
           (own_pid.empty() ? "" : ", body_contains: '" + own_pid + "'") +
           "}, timeout: 8s, interval: 100ms}\n";
  };
  std::ostringstream yaml;
  yaml << "services:\n"
       << "  api:\n"
       << "    command: [python3, server.py]\n"
       << "    env: {PORT: '" << m_python_port << "', BIND: '${host}', PYTHONUNBUFFERED: '1'}\n"
       << ready(m_python_port, "/health", api_deploy == "overlap" ? "\"pid\": ${pid}" : "")
       << "    liveness: {http: {url: 'http://${host}:" << m_python_port
       << "/health'}, interval: 300ms, failures: 2}\n"
       << "    stop: {timeout: 3s}\n"
       << "    deploy: " << api_deploy << "\n"
       << "  files:\n"
       << "    command: [python3, -m, http.server, '" << m_static_port
       << "', --bind, '${host}', --directory, public]\n"
       << ready(m_static_port, "/VERSION") << "    stop: {timeout: 3s}\n"
       << "  web:\n"
       << "    command: [node, server.js]\n"
       << "    env: {PORT: '" << m_node_port << "', BIND: '${host}'}\n"
       << ready(m_node_port, "/health", web_deploy == "overlap" ? "\"pid\":${pid}" : "")
       << "    stop: {timeout: 3s}\n"
       << "    deploy: " << web_deploy << "\n";
  return yaml.str();
}

std::string InterpreterApp::verify_yaml() const {
  std::ostringstream yaml;
  yaml << "verify:\n  window: 500ms\n  timeout: 10s\n  checks:\n"
       << "    - http: {url: 'http://${host}:" << m_python_port << "/health'}\n"
       << "    - http: {url: 'http://${host}:" << m_node_port << "/health'}\n";
  return yaml.str();
}

void InterpreterApp::write_version(GitRepo& repo, const std::string& version, bool bad) const {
  repo.write("VERSION", version + "\n");
  repo.write("public/VERSION", version + "\n");
  repo.write("server.py", bad ? std::string(k_bad_prelude) + k_server_py : k_server_py);
  repo.write("server.js", k_server_js);
}

std::map<std::string, std::string> InterpreterApp::served_at(const std::string& address) const {
  return {
      {"python", ask(address, m_python_port, "/health", true)},
      {"static", ask(address, m_static_port, "/VERSION", false)},
      {"node", ask(address, m_node_port, "/health", true)},
  };
}

std::map<std::string, std::string> InterpreterApp::all(const std::string& version) {
  return {{"python", version}, {"static", version}, {"node", version}};
}

}  // namespace bosun::test
