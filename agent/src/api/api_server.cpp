#include "api/api_server.hpp"

#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <poll.h>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <sstream>
#include <system_error>
#include <thread>

#include <Poco/JSON/Array.h>
#include <Poco/JSON/Object.h>
#include <Poco/URI.h>

#include "api/agent_metrics.hpp"
#include "api/http_request.hpp"
#include "api/status_json.hpp"
#include "deploy/deploy_runs.hpp"
#include "report/incident_diagnosis.hpp"
#include "state/journal.hpp"
#include "supervise/log_files.hpp"
#include "supervise/supervisor.hpp"
#include "sys/unix_listener.hpp"

namespace bosun::agent::api {
namespace {

using Poco::JSON::Object;

struct Reply {
  int status = 200;
  std::string body;
  std::string content_type = "application/json";
};

Reply json_reply(int status, const Object::Ptr& body) {
  std::ostringstream out;
  body->stringify(out);
  return {status, out.str()};
}

Reply error_reply(int status, const std::string& message) {
  Object::Ptr body = new Object(Poco::JSON_PRESERVE_KEY_ORDER);
  body->set("error", message);
  body->set("code", status);
  return json_reply(status, body);
}

std::optional<std::int64_t> parse_number(const std::string& text, std::int64_t max) {
  if (text.empty() || text.size() > 18 ||
      text.find_first_not_of("0123456789") != std::string::npos) {
    return std::nullopt;
  }
  const std::int64_t value = std::stoll(text);
  return value <= max ? std::optional(value) : std::nullopt;
}

Object::Ptr event_to_json(const deploy::DeployEvent& event) {
  Object::Ptr body = new Object(Poco::JSON_PRESERVE_KEY_ORDER);
  body->set("seq", event.seq);
  body->set("time_unix_ms", event.unix_ms);
  body->set("type", std::string(to_string(event.type)));
  body->set("run", event.run);
  if (!event.step.empty()) {
    body->set("step", event.step);
  }
  if (!event.outcome.empty()) {
    body->set("outcome", event.outcome);
  }
  if (event.type == RunEventType::step_finished) {
    body->set("duration_ms", event.duration_ms);
  }
  body->set("message", event.message);
  if (!event.evidence.empty()) {
    Poco::JSON::Array::Ptr lines = new Poco::JSON::Array;
    for (const std::string& line : event.evidence) {
      lines->add(line);
    }
    body->set("evidence", lines);
  }
  if (!event.restored_backup.empty()) {
    body->set("restored_backup", event.restored_backup);
  }
  return body;
}

class Handler {
 public:
  Handler(supervise::Supervisor& supervisor, state::Journal& journal, deploy::DeployRuns* runs,
          ApiHooks hooks)
      : m_supervisor(supervisor), m_journal(journal), m_runs(runs), m_hooks(std::move(hooks)) {}

  Reply handle(const PlainRequest& request, PeerAccess access) {
    try {
      return route(request, access);
    } catch (const std::exception& error) {
      return error_reply(500, std::string("internal error: ") + error.what());
    }
  }

 private:
  Reply route(const PlainRequest& request, PeerAccess access) {
    Poco::URI uri;
    try {
      uri = Poco::URI(request.target);
    } catch (const Poco::Exception&) {
      return error_reply(400, "malformed request target");
    }
    const std::string path = uri.getPath();
    std::map<std::string, std::string> query;
    for (const auto& [key, value] : uri.getQueryParameters()) {
      query[key] = value;
    }
    const std::string& method = request.method;
    if (request.content_length > 4096) {
      return error_reply(413, "request bodies are not used by this API");
    }
    if (access == PeerAccess::limited) {
      if (const std::string why = limited_api_refusal(method, path, query); !why.empty()) {
        return error_reply(403, why);
      }
    }
    if (path == "/v1/status" && method == "GET") {
      const std::vector<supervise::ServiceStatus> services = m_supervisor.snapshot();
      Object::Ptr body = status_to_json(services);
      if (query["diagnose"] == "1" && m_hooks.diagnose) {
        body->set("diagnosis", diagnosis_to_json(m_hooks.diagnose(services)));
      }
      return json_reply(200, body);
    }
    if (path == "/v1/ready" && method == "GET" && m_hooks.readiness) {
      return {200, m_hooks.readiness(), "application/json"};
    }
    if (path == "/v1/metrics" && method == "GET") {
      return {200, render_metrics(m_supervisor.snapshot()), "text/plain; version=0.0.4"};
    }
    if (path == "/v1/events" && method == "GET") {
      return events(query);
    }
    if (path == "/v1/stop-all" && method == "POST") {
      const std::string error =
          supervise::await_reply(m_supervisor.request(supervise::RequestKind::stop_all, ""));
      Object::Ptr body = new Object;
      body->set("ok", error.empty());
      return json_reply(error.empty() ? 202 : 500, body);
    }
    if (path.starts_with("/v1/deploys") || path.starts_with("/v1/rollbacks") ||
        path.starts_with("/v1/runs/")) {
      return runs(method, path, query);
    }
    if (path.starts_with("/v1/services/")) {
      return service_route(method, path, query);
    }
    return error_reply(404, "no such endpoint: " + method + " " + path.substr(0, 200));
  }

  Reply events(std::map<std::string, std::string>& query) {
    const auto since = query.count("since") ? parse_number(query["since"], INT64_MAX)
                                            : std::optional<std::int64_t>(0);
    const auto limit = query.count("limit") ? parse_number(query["limit"], 10'000)
                                            : std::optional<std::int64_t>(1000);
    if (!since || !limit) {
      return error_reply(400, "since must be a Unix time in milliseconds and limit 0 to 10000");
    }
    return json_reply(200,
                      events_to_json(m_journal.since(*since, static_cast<std::size_t>(*limit))));
  }

  // /v1/services/NAME/ACTION: logs (GET), start, stop, restart (POST).
  Reply service_route(const std::string& method, const std::string& path,
                      std::map<std::string, std::string>& query) {
    const std::string rest = path.substr(std::string("/v1/services/").size());
    const std::size_t slash = rest.find('/');
    if (slash == std::string::npos) {
      return error_reply(404, "no such endpoint: " + path);
    }
    const std::string name = rest.substr(0, slash);
    const std::string action = rest.substr(slash + 1);
    const auto services = m_supervisor.snapshot();
    const auto service =
        std::find_if(services.begin(), services.end(),
                     [&](const supervise::ServiceStatus& status) { return status.name == name; });
    if (service == services.end()) {
      return error_reply(404,
                         "unknown service \"" + name.substr(0, 64) + "\"" + known_names(services));
    }
    if (action == "logs" && method == "GET") {
      return logs(*service, query);
    }
    const supervise::RequestKind kinds[] = {supervise::RequestKind::start,
                                            supervise::RequestKind::stop,
                                            supervise::RequestKind::restart};
    const char* names[] = {"start", "stop", "restart"};
    for (std::size_t i = 0; i < 3; ++i) {
      if (action == names[i]) {
        if (method != "POST") {
          return error_reply(405, action + " needs POST");
        }
        const std::string error = supervise::await_reply(m_supervisor.request(kinds[i], name));
        if (!error.empty()) {
          return error_reply(400, error);
        }
        Object::Ptr body = new Object(Poco::JSON_PRESERVE_KEY_ORDER);
        body->set("service", name);
        body->set("requested", action);
        return json_reply(202, body);
      }
    }
    return error_reply(404, "no such endpoint: " + method + " " + path.substr(0, 200));
  }

  Reply logs(const supervise::ServiceStatus& service, std::map<std::string, std::string>& query) {
    Object::Ptr body = new Object(Poco::JSON_PRESERVE_KEY_ORDER);
    body->set("service", service.name);
    if (query.count("offset")) {
      const auto offset = parse_number(query["offset"], INT64_MAX);
      if (!offset) {
        return error_reply(400, "offset must be a byte position");
      }
      std::uint64_t position = static_cast<std::uint64_t>(*offset);
      body->set("text", supervise::read_from(service.log_path, position, 256 * 1024));
      body->set("offset", position);
      return json_reply(200, body);
    }
    const auto lines = query.count("lines") ? parse_number(query["lines"], 100'000)
                                            : std::optional<std::int64_t>(50);
    if (!lines) {
      return error_reply(400, "lines must be a number from 0 to 100000");
    }
    Poco::JSON::Array::Ptr array = new Poco::JSON::Array;
    for (const std::string& line :
         supervise::tail_lines(service.log_path, static_cast<std::size_t>(*lines))) {
      array->add(line);
    }
    body->set("lines", array);
    body->set("offset", supervise::file_size(service.log_path));
    return json_reply(200, body);
  }

  Reply runs(const std::string& method, const std::string& path,
             std::map<std::string, std::string>& query) {
    if (m_runs == nullptr) {
      return error_reply(404, "this agent does not run deploys");
    }
    const auto duration_ms =
        [&](const std::string& key,
            std::int64_t fallback) -> std::optional<std::chrono::milliseconds> {
      if (!query.count(key)) {
        return std::chrono::milliseconds(fallback);
      }
      const auto value = parse_number(query[key], 24LL * 3600 * 1000);
      return value ? std::optional(std::chrono::milliseconds(*value)) : std::nullopt;
    };
    const auto started = [](const deploy::DeployRuns::Started& run) {
      if (run.key == 0) {
        return error_reply(409, run.error);
      }
      Object::Ptr body = new Object;
      body->set("run", run.key);
      return json_reply(202, body);
    };
    if (path == "/v1/deploys" || path == "/v1/rollbacks") {
      if (method != "POST") {
        return error_reply(405, path + " needs POST");
      }
      const auto lock_wait = duration_ms("lock_wait_ms", 0);
      if (!lock_wait) {
        return error_reply(400, "lock_wait_ms must be a number of milliseconds");
      }
      const std::string who =
          query.count("who") && !query["who"].empty() ? query["who"] : "unknown";
      if (path == "/v1/deploys") {
        if (!query.count("ref") || query["ref"].empty()) {
          return error_reply(400, "ref is required: a commit, branch or tag");
        }
        deploy::DeployRequest request;
        request.ref = query["ref"];
        request.who = who;
        request.repo = query["repo"];
        if (query.count("manifest") && !query["manifest"].empty()) {
          request.manifest = query["manifest"];
        }
        request.playbook = query["playbook"];
        request.lock_wait = *lock_wait;
        return started(m_runs->start_deploy(request));
      }
      deploy::RollbackRequest request;
      request.to = query["to"];
      request.who = who;
      const std::string db = query.count("db") ? query["db"] : "auto";
      if (db != "auto" && db != "down" && db != "restore" && db != "none") {
        return error_reply(400, "db must be auto, down, restore or none");
      }
      request.db = db == "down"      ? deploy::DbRollback::down
                   : db == "restore" ? deploy::DbRollback::restore
                   : db == "none"    ? deploy::DbRollback::none
                                     : deploy::DbRollback::automatic;
      request.force = query["force"] == "1" || query["force"] == "true";
      const auto window = duration_ms("window_ms", 0);
      if (!window) {
        return error_reply(400, "window_ms must be a number of milliseconds");
      }
      request.window = *window;
      request.lock_wait = *lock_wait;
      return started(m_runs->start_rollback(request));
    }
    if (path == "/v1/runs/current") {
      Object::Ptr body = new Object;
      const auto key = m_runs->in_progress();
      body->set("run", key ? Poco::Dynamic::Var(*key) : Poco::Dynamic::Var());
      return json_reply(200, body);
    }
    // /v1/runs/KEY/events
    const std::string rest = path.substr(std::string("/v1/runs/").size());
    const std::size_t slash = rest.find('/');
    const auto key = parse_number(rest.substr(0, slash), INT64_MAX);
    if (!key || slash == std::string::npos || rest.substr(slash) != "/events" || method != "GET") {
      return error_reply(404, "no such endpoint: " + method + " " + path.substr(0, 200));
    }
    const auto after = query.count("after") ? parse_number(query["after"], INT64_MAX)
                                            : std::optional<std::int64_t>(0);
    const auto wait = duration_ms("wait_ms", 0);
    if (!after || !wait || *wait > std::chrono::milliseconds(30'000)) {
      return error_reply(400, "after must be a number and wait_ms at most 30000");
    }
    const deploy::DeployRuns::Page page =
        m_runs->events(*key, static_cast<std::size_t>(*after), *wait);
    if (!page.found) {
      return error_reply(
          404, "no run " + std::to_string(*key) + " (runs are kept in memory; see history)");
    }
    Object::Ptr body = new Object(Poco::JSON_PRESERVE_KEY_ORDER);
    Poco::JSON::Array::Ptr events = new Poco::JSON::Array;
    for (const deploy::DeployEvent& event : page.events) {
      events->add(event_to_json(event));
    }
    body->set("events", events);
    body->set("done", page.done);
    if (page.done) {
      body->set("result", std::string(to_string(page.outcome.result)));
      body->set("exit_code", page.outcome.exit_code);
      body->set("reason", page.outcome.reason);
    }
    return json_reply(200, body);
  }

  static std::string known_names(const std::vector<supervise::ServiceStatus>& services) {
    std::string text = "; services:";
    for (const supervise::ServiceStatus& service : services) {
      text += " " + service.name;
    }
    return text;
  }

  supervise::Supervisor& m_supervisor;
  state::Journal& m_journal;
  deploy::DeployRuns* m_runs;
  ApiHooks m_hooks;
};

const char* reason_phrase(int status) {
  switch (status) {
    case 200:
      return "OK";
    case 202:
      return "Accepted";
    case 400:
      return "Bad Request";
    case 404:
      return "Not Found";
    case 405:
      return "Method Not Allowed";
    case 409:
      return "Conflict";
    case 403:
      return "Forbidden";
    case 413:
      return "Payload Too Large";
    case 503:
      return "Service Unavailable";
    default:
      return status >= 500 ? "Internal Server Error" : "Error";
  }
}

bool someone_listens(const std::string& path) {
  const int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  const sockaddr_un address = sys::unix_address(path);
  const bool connected =
      ::connect(fd, reinterpret_cast<const sockaddr*>(&address), sizeof address) == 0;
  ::close(fd);
  return connected;
}

// Reads one request head (and ignores a small body). False for anything malformed.
// Limits on what clients can hold: threads, and time per request head.
constexpr int k_most_connections = 64;
constexpr std::chrono::milliseconds k_request_deadline{5000};

// The request head, whole, before `deadline`: a client sending a byte every few seconds
// cannot hold its thread past it (a per-recv timeout would let it).
bool read_request(int fd, PlainRequest& request, std::string& error,
                  std::chrono::steady_clock::time_point deadline) {
  std::string data;
  char buffer[4096];
  while (data.find("\r\n\r\n") == std::string::npos) {
    if (data.size() > 16 * 1024) {
      error = "request head larger than 16 KiB";
      return false;
    }
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    pollfd readable{fd, POLLIN, 0};
    if (left.count() <= 0 || ::poll(&readable, 1, static_cast<int>(left.count())) <= 0) {
      error = "the request was not complete within " +
              std::to_string(k_request_deadline.count() / 1000) + " s";
      return false;
    }
    const ssize_t n = ::recv(fd, buffer, sizeof buffer, 0);
    if (n <= 0) {
      error = "incomplete request";
      return false;
    }
    data.append(buffer, static_cast<std::size_t>(n));
  }
  return parse_request_head(data, request, error);
}

void send_reply(int fd, const Reply& reply) {
  std::string text = "HTTP/1.1 " + std::to_string(reply.status) + " " +
                     reason_phrase(reply.status) + "\r\nContent-Type: " + reply.content_type +
                     "\r\nContent-Length: " + std::to_string(reply.body.size()) +
                     "\r\nConnection: close\r\n\r\n" + reply.body;
  std::size_t sent = 0;
  while (sent < text.size()) {
    const ssize_t n = ::send(fd, text.data() + sent, text.size() - sent, MSG_NOSIGNAL);
    if (n <= 0) {
      return;
    }
    sent += static_cast<std::size_t>(n);
  }
}

}  // namespace

// One thread blocks in accept(): no timers, so an idle agent is not woken up. Each
// connection gets a short-lived thread, at most k_most_connections at once, with a deadline
// for its whole request and a timeout per send.
struct ApiServer::Impl {
  Impl(std::string socket_path, supervise::Supervisor& supervisor, state::Journal& journal,
       deploy::DeployRuns* runs, ApiHooks hooks, AccessPolicy policy)
      : path(std::move(socket_path)),
        handler(supervisor, journal, runs, std::move(hooks)),
        access(std::move(policy)) {}

  std::string path;
  Handler handler;
  AccessPolicy access;
  int listen_fd = -1;
  std::thread acceptor;
  std::atomic<int> active{0};
  std::atomic<bool> stopping{false};

  void serve(int fd) {
    const timeval timeout{5, 0};
    ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
    ::setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &timeout, sizeof timeout);
    const auto peer = sys::peer_of(fd);
    const PeerAccess level = peer ? access.access_of(*peer) : PeerAccess::refused;
    PlainRequest request;
    std::string error;
    if (level == PeerAccess::refused) {
      send_reply(fd, error_reply(403, peer ? access.refusal(*peer) : "the peer is unknown"));
    } else {
      const auto deadline = std::chrono::steady_clock::now() + k_request_deadline;
      send_reply(fd, read_request(fd, request, error, deadline) ? handler.handle(request, level)
                                                                : error_reply(400, error));
    }
    ::close(fd);
    --active;
  }

  void accept_loop() {
    while (!stopping.load()) {
      const int fd = ::accept4(listen_fd, nullptr, nullptr, SOCK_CLOEXEC);
      if (fd < 0) {
        if (errno == EINTR || errno == ECONNABORTED) {
          continue;
        }
        if (stopping.load()) {
          return;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(50));  // e.g. EMFILE: do not spin
        continue;
      }
      if (active.load() >= k_most_connections) {
        refuse_busy(fd, "more than " + std::to_string(k_most_connections) +
                            " connections at once; try again");
        continue;
      }
      ++active;
      try {
        std::thread([this, fd] { serve(fd); }).detach();
      } catch (const std::system_error& failure) {  // no thread (memory, limits): not fatal
        --active;
        refuse_busy(fd, std::string("the agent cannot take this request now: ") + failure.what());
      }
    }
  }

  // A quick 503 from the accepting thread itself: it must never wait on a client.
  static void refuse_busy(int fd, const std::string& why) {
    const timeval quick{0, 100'000};
    ::setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &quick, sizeof quick);
    send_reply(fd, error_reply(503, why));
    ::close(fd);
  }
};

ApiServer::ApiServer(const std::string& socket_path, supervise::Supervisor& supervisor,
                     state::Journal& journal, deploy::DeployRuns* runs, ApiHooks hooks,
                     AccessPolicy access)
    : m_impl(std::make_unique<Impl>(socket_path, supervisor, journal, runs, std::move(hooks),
                                    std::move(access))) {}

ApiServer::~ApiServer() {
  stop();
}

void ApiServer::start() {
  const std::string& path = m_impl->path;
  if (std::filesystem::exists(path)) {
    if (someone_listens(path)) {
      throw std::runtime_error("another agent is already listening on " + path);
    }
    std::filesystem::remove(path);  // left behind by an agent that died
  }
  m_impl->listen_fd = sys::listen_unix(path, 64, m_impl->access.group);
  m_impl->acceptor = std::thread([impl = m_impl.get()] { impl->accept_loop(); });
}

void ApiServer::stop() {
  if (m_impl->listen_fd < 0) {
    return;
  }
  m_impl->stopping = true;
  ::shutdown(m_impl->listen_fd, SHUT_RDWR);  // wakes the blocked accept()
  m_impl->acceptor.join();
  ::close(m_impl->listen_fd);
  m_impl->listen_fd = -1;
  // Requests in progress finish within their 5 s socket timeouts.
  for (int i = 0; i < 600 && m_impl->active.load() > 0; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  std::error_code ignored;
  std::filesystem::remove(m_impl->path, ignored);
}

}  // namespace bosun::agent::api
