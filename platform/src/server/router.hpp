#pragma once
// Requests and responses as plain values, and a router from "METHOD /path/{param}" to
// handlers, so the API logic does not depend on the HTTP library.

#include <functional>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace platform {

struct HttpRequest {
  std::string method;
  std::string path;
  std::map<std::string, std::string> query;
  std::string authorization;  // the Authorization header, if any
  std::string body;
};

struct HttpResponse {
  HttpResponse() = default;
  HttpResponse(int status_code, std::string json_body)
      : status(status_code), body(std::move(json_body)) {}

  int status = 200;
  std::string body;
  std::string content_type = "application/json";
  std::vector<std::pair<std::string, std::string>> headers;
};

// {"error": message, "code": status}
HttpResponse json_error(int status, const std::string& message);

using RouteParams = std::vector<std::string>;
using RouteHandler = std::function<HttpResponse(const HttpRequest&, const RouteParams&)>;

class Router {
 public:
  // `pattern` segments in braces ("{id}") match any one segment and are passed to the handler.
  void add(const std::string& method, const std::string& pattern, RouteHandler handler);

  struct Match {
    const RouteHandler* handler = nullptr;
    RouteParams params;
    std::string route;         // the pattern, for metrics; "unmatched" when no route fits
    bool path_exists = false;  // true when the path matched but not the method (405)
    std::vector<std::string> allowed_methods;
  };
  Match match(const std::string& method, const std::string& path) const;

 private:
  struct Route {
    std::string method;
    std::string pattern;
    std::vector<std::string> segments;
    RouteHandler handler;
  };
  std::vector<Route> m_routes;
};

}  // namespace platform
