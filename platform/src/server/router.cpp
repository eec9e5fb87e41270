#include "server/router.hpp"

#include <Poco/JSON/Object.h>

#include <sstream>

namespace platform {
namespace {

std::vector<std::string> split_path(const std::string& path) {
  std::vector<std::string> segments;
  std::size_t start = 1;
  while (start <= path.size()) {
    const std::size_t slash = path.find('/', start);
    const std::size_t end = slash == std::string::npos ? path.size() : slash;
    segments.push_back(path.substr(start, end - start));
    if (slash == std::string::npos) {
      break;
    }
    start = slash + 1;
  }
  return segments;
}

}  // namespace

HttpResponse json_error(int status, const std::string& message) {
  Poco::JSON::Object body(Poco::JSON_PRESERVE_KEY_ORDER);
  body.set("error", message);
  body.set("code", status);
  std::ostringstream out;
  body.stringify(out);
  return HttpResponse{status, out.str()};
}

void Router::add(const std::string& method, const std::string& pattern, RouteHandler handler) {
  m_routes.push_back({method, pattern, split_path(pattern), std::move(handler)});
}

Router::Match Router::match(const std::string& method, const std::string& path) const {
  Match result;
  result.route = "unmatched";
  const std::vector<std::string> segments = split_path(path);
  for (const Route& route : m_routes) {
    if (route.segments.size() != segments.size()) {
      continue;
    }
    RouteParams params;
    bool fits = true;
    for (std::size_t i = 0; i < segments.size() && fits; ++i) {
      const std::string& want = route.segments[i];
      if (want.size() > 2 && want.front() == '{' && want.back() == '}') {
        fits = !segments[i].empty();
        params.push_back(segments[i]);
      } else {
        fits = want == segments[i];
      }
    }
    if (!fits) {
      continue;
    }
    if (route.method != method) {
      result.path_exists = true;
      result.route = route.pattern;
      result.allowed_methods.push_back(route.method);
      continue;
    }
    result.handler = &route.handler;
    result.params = std::move(params);
    result.route = route.pattern;
    return result;
  }
  return result;
}

}  // namespace platform
