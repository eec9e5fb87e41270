#pragma once
// Test support: one HTTP request to a loopback address (127.0.0.1 unless given) on a fresh
// connection, and JSON access.

#include <map>
#include <string>

#include <Poco/JSON/Object.h>

namespace bosun::test {

struct HttpResult {
  int status = 0;
  std::string body;
  std::map<std::string, std::string> headers;
  std::string content_type;

  Poco::JSON::Object::Ptr json() const;  // throws when the body is not a JSON object
};

HttpResult http(unsigned short port, const std::string& method, const std::string& path,
                const std::string& body = "", const std::string& bearer = "");
HttpResult http_at(const std::string& address, unsigned short port, const std::string& method,
                   const std::string& path, const std::string& body = "",
                   const std::string& bearer = "");

// The body of GET `path` on 127.0.0.1:`port` without its trailing newlines: what a static
// server serves (a VERSION file). "" when nothing answers 200.
std::string served_text(unsigned short port, const std::string& path);

}  // namespace bosun::test
