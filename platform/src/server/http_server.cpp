#include "server/http_server.hpp"

#include <thread>

#include <linux/filter.h>
#include <sys/socket.h>

#include <Poco/Net/HTTPRequestHandler.h>
#include <Poco/Net/HTTPRequestHandlerFactory.h>
#include <Poco/Net/HTTPServer.h>
#include <Poco/Net/HTTPServerParams.h>
#include <Poco/Net/HTTPServerRequest.h>
#include <Poco/Net/HTTPServerResponse.h>
#include <Poco/Net/ServerSocket.h>
#include <Poco/ThreadPool.h>
#include <Poco/URI.h>

namespace platform {
namespace {

class ApiRequestHandler : public Poco::Net::HTTPRequestHandler {
 public:
  ApiRequestHandler(const Router& router, Metrics& metrics, const ServerConfig& config,
                    std::atomic<int>& in_flight)
      : m_router(router), m_metrics(metrics), m_config(config), m_in_flight(in_flight) {}

  void handleRequest(Poco::Net::HTTPServerRequest& request,
                     Poco::Net::HTTPServerResponse& response) override {
    const auto started = std::chrono::steady_clock::now();
    ++m_in_flight;
    std::string route = "unmatched";
    HttpResponse answer = dispatch(request, route);
    write(response, answer);
    const double seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    m_metrics.observe(request.getMethod(), route, answer.status, seconds);
    --m_in_flight;
  }

 private:
  HttpResponse dispatch(Poco::Net::HTTPServerRequest& request, std::string& route) {
    try {
      HttpRequest plain;
      plain.method = request.getMethod();
      const Poco::URI uri(request.getURI());
      plain.path = uri.getPath();
      for (const auto& [key, value] : uri.getQueryParameters()) {
        plain.query[key] = value;
      }
      plain.authorization = request.get("Authorization", "");
      const Router::Match match = m_router.match(plain.method, plain.path);
      route = match.route;
      if (match.handler == nullptr) {
        if (match.path_exists) {
          HttpResponse response = json_error(405, "method " + plain.method + " not allowed here");
          std::string allowed;
          for (const std::string& method : match.allowed_methods) {
            allowed += (allowed.empty() ? "" : ", ") + method;
          }
          response.headers.emplace_back("Allow", allowed);
          return response;
        }
        return json_error(404, "no route for " + plain.method + " " + plain.path);
      }
      if (auto error = read_body(request, plain.body)) {
        return *error;
      }
      return (*match.handler)(plain, match.params);
    } catch (const Poco::SyntaxException&) {
      return json_error(400, "malformed request URI");
    } catch (const std::exception& error) {
      // Logged for the operator; the client gets no internals.
      std::fprintf(stderr, "error: %s %s: %s\n", request.getMethod().c_str(), route.c_str(),
                   error.what());
      return json_error(500, "internal error");
    }
  }

  std::optional<HttpResponse> read_body(Poco::Net::HTTPServerRequest& request, std::string& body) {
    const std::size_t limit = m_config.max_body_bytes;
    const auto too_large = [&] {
      // Read (and drop) a moderate excess so the client sees the 413 instead of a reset
      // while it is still sending; beyond that the connection is simply closed.
      discard(request.stream(), k_max_discard_bytes);
      return json_error(413, "the body is larger than " + std::to_string(limit) + " bytes");
    };
    if (request.getContentLength64() > static_cast<std::int64_t>(limit)) {
      return too_large();
    }
    std::istream& in = request.stream();
    std::string chunk(8192, '\0');
    while (in) {
      in.read(chunk.data(), static_cast<std::streamsize>(chunk.size()));
      body.append(chunk.data(), static_cast<std::size_t>(in.gcount()));
      if (body.size() > limit) {
        return too_large();
      }
    }
    return std::nullopt;
  }

  static void discard(std::istream& in, std::size_t at_most) {
    std::string chunk(8192, '\0');
    std::size_t seen = 0;
    while (in && seen < at_most) {
      in.read(chunk.data(), static_cast<std::streamsize>(chunk.size()));
      seen += static_cast<std::size_t>(in.gcount());
    }
  }

  static constexpr std::size_t k_max_discard_bytes = 1024 * 1024;

  static void write(Poco::Net::HTTPServerResponse& response, const HttpResponse& answer) {
    response.setStatusAndReason(static_cast<Poco::Net::HTTPResponse::HTTPStatus>(answer.status));
    response.setContentType(answer.content_type);
    response.set("X-Content-Type-Options", "nosniff");
    for (const auto& [name, value] : answer.headers) {
      response.set(name, value);
    }
    if (answer.status == 413) {
      response.setKeepAlive(false);  // the unread rest of the body would be taken as a request
    }
    response.setContentLength64(static_cast<Poco::Int64>(answer.body.size()));
    response.send() << answer.body;
  }

  const Router& m_router;
  Metrics& m_metrics;
  const ServerConfig& m_config;
  std::atomic<int>& m_in_flight;
};

class HandlerFactory : public Poco::Net::HTTPRequestHandlerFactory {
 public:
  HandlerFactory(const Router& router, Metrics& metrics, const ServerConfig& config,
                 std::atomic<int>& in_flight)
      : m_router(router), m_metrics(metrics), m_config(config), m_in_flight(in_flight) {}

  Poco::Net::HTTPRequestHandler* createRequestHandler(
      const Poco::Net::HTTPServerRequest&) override {
    return new ApiRequestHandler(m_router, m_metrics, m_config, m_in_flight);
  }

 private:
  const Router& m_router;
  Metrics& m_metrics;
  const ServerConfig& m_config;
  std::atomic<int>& m_in_flight;
};

// Attaches a classic BPF program to the port's SO_REUSEPORT group that picks the socket at
// index 1 for every new connection. With two listeners that is the newer one; with one, the
// index is out of range and the kernel falls back to its usual hashing.
bool steer_new_connections_away(int listen_fd) {
  sock_filter pick_second[] = {{BPF_RET | BPF_K, 0, 0, 1}};
  sock_fprog program{1, pick_second};
  return ::setsockopt(listen_fd, SOL_SOCKET, SO_ATTACH_REUSEPORT_CBPF, &program, sizeof program) ==
         0;
}

}  // namespace

struct HttpServer::Impl {
  Impl(const ServerConfig& server_config, const Router& api_router, Metrics& api_metrics)
      : config(server_config), router(api_router), metrics(api_metrics) {}

  const ServerConfig& config;
  const Router& router;
  Metrics& metrics;
  std::atomic<int> in_flight{0};
  Poco::Net::ServerSocket socket;
  std::unique_ptr<Poco::ThreadPool> threads;
  std::unique_ptr<Poco::Net::HTTPServer> server;
};

HttpServer::HttpServer(const ServerConfig& config, const Router& router, Metrics& metrics)
    : m_impl(std::make_unique<Impl>(config, router, metrics)) {}

HttpServer::~HttpServer() = default;

void HttpServer::start() {
  Impl& impl = *m_impl;
  impl.socket.bind(Poco::Net::SocketAddress(impl.config.bind, impl.config.port),
                   /*reuseAddress=*/true, /*reusePort=*/true);
  impl.socket.listen(512);
  // A steering program left behind by an instance that stopped earlier would send every new
  // connection to whichever socket joins second; start from plain hashing instead.
  ::setsockopt(impl.socket.impl()->sockfd(), SOL_SOCKET, SO_DETACH_REUSEPORT_BPF, nullptr, 0);
  auto* params = new Poco::Net::HTTPServerParams;
  params->setMaxThreads(impl.config.threads);
  params->setMaxQueued(1024);
  params->setKeepAlive(true);
  params->setKeepAliveTimeout(Poco::Timespan(5, 0));
  params->setTimeout(Poco::Timespan(30, 0));
  impl.threads = std::make_unique<Poco::ThreadPool>(2, impl.config.threads + 2);
  impl.server = std::make_unique<Poco::Net::HTTPServer>(
      new HandlerFactory(impl.router, impl.metrics, impl.config, impl.in_flight), *impl.threads,
      impl.socket, params);
  impl.server->start();
}

std::uint16_t HttpServer::port() const {
  return m_impl->socket.address().port();
}

bool HttpServer::stop(std::chrono::milliseconds drain) {
  Impl& impl = *m_impl;
  // Closing a SO_REUSEPORT listener resets the connections waiting in its accept queue. So
  // first steer new connections to the other listener (the instance that replaces this
  // one, second in the port's group during an overlap deploy), keep accepting until what
  // was already on its way here has arrived, and only then close.
  if (steer_new_connections_away(impl.socket.impl()->sockfd())) {
    std::this_thread::sleep_for(std::chrono::milliseconds(impl.config.handover_grace_ms));
  }
  impl.server->stopAll(false);
  impl.socket.close();
  const auto deadline = std::chrono::steady_clock::now() + drain;
  while (impl.in_flight.load() > 0 && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  return impl.in_flight.load() == 0;
}

}  // namespace platform
