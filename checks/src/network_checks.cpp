// tcp, redis and http checks over plain sockets: small, fast and without exceptions, since
// readiness probes run every few milliseconds while a service starts.

#include <unistd.h>

#include <algorithm>
#include <cctype>

#include <Poco/JSON/Object.h>
#include <Poco/JSON/Parser.h>

#include "bosun/checks/check_runner.hpp"
#include "bosun/common/text.hpp"
#include "bosun/common/url.hpp"
#include "make_result.hpp"
#include "socket_util.hpp"

namespace bosun::checks {
namespace {

using detail::Clock;

std::chrono::microseconds since(Clock::time_point start) {
  return std::chrono::duration_cast<std::chrono::microseconds>(Clock::now() - start);
}

// Headers complete and, when Content-Length is given, the whole body.
bool has_http_response(const std::string& reply) {
  const std::size_t end = reply.find("\r\n\r\n");
  if (end == std::string::npos) {
    return false;
  }
  std::string headers = reply.substr(0, end);
  for (char& c : headers) {
    c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  }
  const std::size_t length_at = headers.find("\r\ncontent-length:");
  if (length_at == std::string::npos) {
    return false;  // read until the server closes (we asked for Connection: close)
  }
  const std::size_t value = length_at + 17;
  const std::size_t length = std::stoul(headers.substr(value, headers.find("\r\n", value) - value));
  return reply.size() >= end + 4 + length;
}

}  // namespace

CheckResult run_tcp_check(const manifest::TcpCheck& check, const CheckContext& context) {
  const auto start = Clock::now();
  std::string error;
  const int fd =
      detail::connect_with_deadline(check.host, check.port, start + context.timeout, error);
  const std::string where = check.host + ":" + std::to_string(check.port);
  if (fd < 0) {
    return detail::make_result(Status::fail, "cannot connect to " + where + ": " + error,
                               "start the service, or check that it listens on " + where, start);
  }
  ::close(fd);
  return detail::make_result(Status::pass,
                             "connected to " + where + " in " + detail::format_micros(since(start)),
                             "", start);
}

CheckResult run_redis_check(const manifest::RedisCheck& check, const CheckContext& context) {
  const auto start = Clock::now();
  const auto deadline = start + context.timeout;
  const std::string where = check.host + ":" + std::to_string(check.port);
  std::string error;
  const int fd = detail::connect_with_deadline(check.host, check.port, deadline, error);
  if (fd < 0) {
    return detail::make_result(Status::fail, "cannot connect to Redis at " + where + ": " + error,
                               "start redis-server, or check the port", start);
  }
  std::string request;
  if (!check.password_env.empty()) {
    const auto password = context.env.find(check.password_env);
    if (password == context.env.end()) {
      ::close(fd);
      return detail::make_result(Status::fail, check.password_env + " is not set",
                                 "set " + check.password_env, start);
    }
    request += "*2\r\n$4\r\nAUTH\r\n$" + std::to_string(password->second.size()) + "\r\n" +
               password->second + "\r\n";
  }
  request += "*1\r\n$4\r\nPING\r\n";
  std::string reply;
  const bool answered = detail::exchange(fd, request, reply, deadline, [](const std::string& text) {
    return text.find("PONG\r\n") != std::string::npos || text.find("-") == 0 ||
           text.find("\r\n-") != std::string::npos;
  });
  ::close(fd);
  if (answered && reply.find("+PONG") != std::string::npos) {
    return detail::make_result(Status::pass,
                               "PONG from " + where + " in " + detail::format_micros(since(start)),
                               "", start);
  }
  const std::string line = reply.substr(0, reply.find("\r\n"));
  return detail::make_result(
      Status::fail,
      "no PONG from " + where + (line.empty() ? " (no answer)" : ": " + quote_for_message(line)),
      "check that Redis is up and not loading or refusing commands", start);
}

namespace {

// The value of header `name` (lower case) in an HTTP response head; empty when absent.
std::string header_value(const std::string& head, const std::string& name) {
  std::string lower = head;
  std::transform(lower.begin(), lower.end(), lower.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  const std::size_t at = lower.find("\r\n" + name + ":");
  if (at == std::string::npos) {
    return "";
  }
  const std::size_t from = at + 3 + name.size();
  const std::size_t end = head.find("\r\n", from);
  return std::string(trim(std::string_view(head).substr(from, end - from)));
}

// "application/json; charset=utf-8" matches "application/json".
bool media_type_matches(const std::string& header, const std::string& expected) {
  std::string type = header.substr(0, header.find(';'));
  type = std::string(trim(type));
  return std::equal(type.begin(), type.end(), expected.begin(), expected.end(),
                    [](char a, char b) { return std::tolower(a) == std::tolower(b); });
}

// Empty when every field matches; otherwise what differs.
std::string json_mismatch(const std::string& body,
                          const std::vector<manifest::JsonFieldExpectation>& fields) {
  Poco::Dynamic::Var root;
  try {
    Poco::JSON::Parser parser;
    root = parser.parse(body);
  } catch (const std::exception&) {
    return "the body is not JSON";
  }
  for (const manifest::JsonFieldExpectation& field : fields) {
    Poco::Dynamic::Var node = root;
    std::size_t from = 0;
    bool found = true;
    while (found && from <= field.path.size()) {
      const std::size_t dot = std::min(field.path.find('.', from), field.path.size());
      const std::string key = field.path.substr(from, dot - from);
      from = dot + 1;
      if (node.type() != typeid(Poco::JSON::Object::Ptr)) {
        found = false;
        break;
      }
      const auto object = node.extract<Poco::JSON::Object::Ptr>();
      if (!object->has(key)) {
        found = false;
        break;
      }
      node = object->get(key);
    }
    if (!found) {
      return field.path + " is missing";
    }
    const std::string text = node.isEmpty() ? "null" : node.convert<std::string>();
    if (text != field.value) {
      return field.path + " is " + quote_for_message(text) + ", expected " +
             quote_for_message(field.value);
    }
  }
  return "";
}

// The Content-Type answered, when the check expects another; an HTML page where an API should
// answer is named for what it usually is.
std::optional<CheckResult> wrong_content_type(const manifest::HttpCheck& check,
                                              const std::string& type, const std::string& body,
                                              const std::string& observed,
                                              Clock::time_point start) {
  if (check.content_type.empty() || media_type_matches(type, check.content_type)) {
    return std::nullopt;
  }
  const bool html = type.find("html") != std::string::npos ||
                    body.find("<html") != std::string::npos ||
                    body.find("<!DOCTYPE") != std::string::npos;
  return detail::make_result(
      Status::fail,
      observed + " (Content-Type " + (type.empty() ? "missing" : quote_for_message(type)) +
          ", expected " + check.content_type + ")",
      html ? "an HTML page answered where the API should: the request reached a proxy "
             "error page, a default site or the wrong port; check the reverse proxy and "
             "that the service listens where the URL points"
           : "make the endpoint answer with " + check.content_type,
      start);
}

}  // namespace

CheckResult run_http_check(const manifest::HttpCheck& check, const CheckContext& context) {
  const auto start = Clock::now();
  const auto deadline = start + context.timeout;
  const auto url = parse_http_url(check.url);
  if (!url) {
    return detail::make_result(Status::fail, url.error(), "fix the URL in the manifest", start);
  }
  if (url->scheme != "http") {
    return detail::make_result(Status::fail, "https checks are not supported yet: " + check.url,
                               "probe the service's plain-http port on loopback", start);
  }
  std::string error;
  const int fd = detail::connect_with_deadline(url->host, url->port, deadline, error);
  if (fd < 0) {
    return detail::make_result(
        Status::fail, "cannot connect to " + check.url + ": " + error,
        "start the service, or check that it listens on port " + std::to_string(url->port), start);
  }
  const std::string host_header =
      url->host.find(':') != std::string::npos ? "[" + url->host + "]" : url->host;
  const std::string request = "GET " + url->target + " HTTP/1.1\r\nHost: " + host_header + ":" +
                              std::to_string(url->port) +
                              "\r\nUser-Agent: bosun-check\r\nConnection: close\r\n\r\n";
  std::string reply;
  const bool complete = detail::exchange(fd, request, reply, deadline, has_http_response);
  ::close(fd);
  const auto took = since(start);
  if (!reply.starts_with("HTTP/1.") || reply.size() < 12) {
    return detail::make_result(
        Status::fail,
        std::string(complete ? "not an HTTP answer" : "no complete answer before the timeout") +
            " from " + check.url,
        "check the service's logs", start);
  }
  const int status = std::atoi(reply.substr(9, 3).c_str());
  const std::size_t body_at = reply.find("\r\n\r\n");
  const std::string body = body_at == std::string::npos ? "" : reply.substr(body_at + 4);
  const std::string observed = "HTTP " + std::to_string(status) + " from " + check.url + " in " +
                               detail::format_micros(took) +
                               (body.empty() ? "" : ": " + quote_for_message(body));
  if (status != check.status) {
    return detail::make_result(Status::fail,
                               observed + " (expected " + std::to_string(check.status) + ")",
                               "look at the response and the service's log", start);
  }
  if (!check.body_contains.empty() && body.find(check.body_contains) == std::string::npos) {
    CheckResult result = detail::make_result(
        Status::fail, observed + " (body lacks " + quote_for_message(check.body_contains) + ")",
        "look at the response and the service's log", start);
    result.body_mismatch = true;
    return result;
  }
  if (auto wrong = wrong_content_type(check, header_value(reply.substr(0, body_at), "content-type"),
                                      body, observed, start)) {
    return *wrong;
  }
  if (!check.json.empty()) {
    std::string mismatch = json_mismatch(body, check.json);
    if (!mismatch.empty()) {
      return detail::make_result(Status::fail, observed + " (" + mismatch + ")",
                                 "look at the response and the service's log", start);
    }
  }
  if (check.max_latency && took > *check.max_latency) {
    return detail::make_result(
        Status::fail, observed + " (slower than " + format_duration(*check.max_latency) + ")",
        "find what slows the service down: load, CPU, the database", start);
  }
  return detail::make_result(Status::pass, observed, "", start);
}

}  // namespace bosun::checks
