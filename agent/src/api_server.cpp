#include "api_server.hpp"

#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <sstream>

#include <Poco/JSON/Array.h>
#include <Poco/JSON/Object.h>
#include <Poco/Net/HTTPRequestHandler.h>
#include <Poco/Net/HTTPRequestHandlerFactory.h>
#include <Poco/Net/HTTPServer.h>
#include <Poco/Net/HTTPServerParams.h>
#include <Poco/Net/HTTPServerRequest.h>
#include <Poco/Net/HTTPServerResponse.h>
#include <Poco/Net/ServerSocket.h>
#include <Poco/Net/StreamSocket.h>
#include <Poco/URI.h>

#include "agent_metrics.hpp"
#include "journal.hpp"
#include "log_files.hpp"
#include "status_json.hpp"
#include "supervisor.hpp"

namespace bosun::agent {
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

class Handler : public Poco::Net::HTTPRequestHandler {
 public:
  Handler(Supervisor& supervisor, Journal& journal)
      : m_supervisor(supervisor), m_journal(journal) {}

  void handleRequest(Poco::Net::HTTPServerRequest& request,
                     Poco::Net::HTTPServerResponse& response) override {
    Reply reply;
    try {
      reply = route(request);
    } catch (const std::exception& error) {
      reply = error_reply(500, std::string("internal error: ") + error.what());
    }
    response.setStatusAndReason(static_cast<Poco::Net::HTTPResponse::HTTPStatus>(reply.status));
    response.setContentType(reply.content_type);
    response.setContentLength64(static_cast<Poco::Int64>(reply.body.size()));
    response.send() << reply.body;
  }

 private:
  Reply route(Poco::Net::HTTPServerRequest& request) {
    const Poco::URI uri(request.getURI());
    const std::string path = uri.getPath();
    std::map<std::string, std::string> query;
    for (const auto& [key, value] : uri.getQueryParameters()) {
      query[key] = value;
    }
    const std::string& method = request.getMethod();
    if (request.getContentLength64() > 4096) {
      return error_reply(413, "request bodies are not used by this API");
    }
    if (path == "/v1/status" && method == "GET") {
      return json_reply(200, status_to_json(m_supervisor.snapshot()));
    }
    if (path == "/v1/metrics" && method == "GET") {
      return {200, render_metrics(m_supervisor.snapshot()), "text/plain; version=0.0.4"};
    }
    if (path == "/v1/events" && method == "GET") {
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
    if (path == "/v1/stop-all" && method == "POST") {
      const std::string error = wait(m_supervisor.request(RequestKind::stop_all, ""));
      Object::Ptr body = new Object;
      body->set("ok", error.empty());
      return json_reply(error.empty() ? 202 : 500, body);
    }
    const std::string prefix = "/v1/services/";
    if (path.starts_with(prefix)) {
      const std::string rest = path.substr(prefix.size());
      const std::size_t slash = rest.find('/');
      if (slash == std::string::npos) {
        return error_reply(404, "no such endpoint: " + path);
      }
      const std::string name = rest.substr(0, slash);
      const std::string action = rest.substr(slash + 1);
      const auto services = m_supervisor.snapshot();
      const auto service =
          std::find_if(services.begin(), services.end(),
                       [&](const ServiceStatus& status) { return status.name == name; });
      if (service == services.end()) {
        return error_reply(
            404, "unknown service \"" + name.substr(0, 64) + "\"" + known_names(services));
      }
      if (action == "logs" && method == "GET") {
        return logs(*service, query);
      }
      const RequestKind kinds[] = {RequestKind::start, RequestKind::stop, RequestKind::restart};
      const char* names[] = {"start", "stop", "restart"};
      for (std::size_t i = 0; i < 3; ++i) {
        if (action == names[i]) {
          if (method != "POST") {
            return error_reply(405, action + " needs POST");
          }
          const std::string error = wait(m_supervisor.request(kinds[i], name));
          if (!error.empty()) {
            return error_reply(400, error);
          }
          Object::Ptr body = new Object(Poco::JSON_PRESERVE_KEY_ORDER);
          body->set("service", name);
          body->set("requested", action);
          return json_reply(202, body);
        }
      }
    }
    return error_reply(404, "no such endpoint: " + method + " " + path.substr(0, 200));
  }

  Reply logs(const ServiceStatus& service, std::map<std::string, std::string>& query) {
    Object::Ptr body = new Object(Poco::JSON_PRESERVE_KEY_ORDER);
    body->set("service", service.name);
    if (query.count("offset")) {
      const auto offset = parse_number(query["offset"], INT64_MAX);
      if (!offset) {
        return error_reply(400, "offset must be a byte position");
      }
      std::uint64_t position = static_cast<std::uint64_t>(*offset);
      body->set("text", read_from(service.log_path, position, 256 * 1024));
      body->set("offset", position);
      return json_reply(200, body);
    }
    const auto lines = query.count("lines") ? parse_number(query["lines"], 100'000)
                                            : std::optional<std::int64_t>(50);
    if (!lines) {
      return error_reply(400, "lines must be a number from 0 to 100000");
    }
    Poco::JSON::Array::Ptr array = new Poco::JSON::Array;
    for (const std::string& line : tail_lines(service.log_path, static_cast<std::size_t>(*lines))) {
      array->add(line);
    }
    body->set("lines", array);
    body->set("offset", file_size(service.log_path));
    return json_reply(200, body);
  }

  static std::string wait(std::future<std::string> result) {
    if (result.wait_for(std::chrono::seconds(10)) != std::future_status::ready) {
      return "the supervisor did not answer within 10s";
    }
    return result.get();
  }

  static std::string known_names(const std::vector<ServiceStatus>& services) {
    std::string text = "; services:";
    for (const ServiceStatus& service : services) {
      text += " " + service.name;
    }
    return text;
  }

  Supervisor& m_supervisor;
  Journal& m_journal;
};

class Factory : public Poco::Net::HTTPRequestHandlerFactory {
 public:
  Factory(Supervisor& supervisor, Journal& journal)
      : m_supervisor(supervisor), m_journal(journal) {}
  Poco::Net::HTTPRequestHandler* createRequestHandler(
      const Poco::Net::HTTPServerRequest&) override {
    return new Handler(m_supervisor, m_journal);
  }

 private:
  Supervisor& m_supervisor;
  Journal& m_journal;
};

bool someone_listens(const std::string& path) {
  try {
    Poco::Net::StreamSocket probe;
    probe.connect(Poco::Net::SocketAddress(Poco::Net::SocketAddress::UNIX_LOCAL, path),
                  Poco::Timespan(1, 0));
    return true;
  } catch (const Poco::Exception&) {
    return false;
  }
}

}  // namespace

struct ApiServer::Impl {
  std::string path;
  Supervisor& supervisor;
  Journal& journal;
  std::unique_ptr<Poco::Net::HTTPServer> server;
};

ApiServer::ApiServer(const std::string& socket_path, Supervisor& supervisor, Journal& journal)
    : m_impl(new Impl{socket_path, supervisor, journal, nullptr}) {}

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
  Poco::Net::ServerSocket socket;
  socket.bind(Poco::Net::SocketAddress(Poco::Net::SocketAddress::UNIX_LOCAL, path));
  socket.listen(64);
  ::chmod(path.c_str(), 0660);
  auto* params = new Poco::Net::HTTPServerParams;
  params->setMaxThreads(4);
  params->setKeepAlive(true);
  params->setTimeout(Poco::Timespan(30, 0));
  m_impl->server = std::make_unique<Poco::Net::HTTPServer>(
      new Factory(m_impl->supervisor, m_impl->journal), socket, params);
  m_impl->server->start();
}

void ApiServer::stop() {
  if (m_impl->server) {
    m_impl->server->stopAll(true);
    m_impl->server.reset();
    std::error_code ignored;
    std::filesystem::remove(m_impl->path, ignored);
  }
}

}  // namespace bosun::agent
