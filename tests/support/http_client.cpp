#include "http_client.hpp"

#include <sstream>

#include <Poco/JSON/Parser.h>
#include <Poco/Net/HTTPClientSession.h>
#include <Poco/Net/HTTPRequest.h>
#include <Poco/Net/HTTPResponse.h>
#include <Poco/StreamCopier.h>

namespace bosun::test {

Poco::JSON::Object::Ptr HttpResult::json() const {
  Poco::JSON::Parser parser;
  return parser.parse(body).extract<Poco::JSON::Object::Ptr>();
}

HttpResult http(unsigned short port, const std::string& method, const std::string& path,
                const std::string& body, const std::string& bearer) {
  return http_at("127.0.0.1", port, method, path, body, bearer);
}

HttpResult http_at(const std::string& address, unsigned short port, const std::string& method,
                   const std::string& path, const std::string& body, const std::string& bearer) {
  Poco::Net::HTTPClientSession session(address, port);
  session.setTimeout(Poco::Timespan(10, 0));
  Poco::Net::HTTPRequest request(method, path, Poco::Net::HTTPMessage::HTTP_1_1);
  if (!bearer.empty()) {
    request.set("Authorization", "Bearer " + bearer);
  }
  if (!body.empty() || method == "POST" || method == "PUT") {
    request.setContentType("application/json");
    request.setContentLength64(static_cast<Poco::Int64>(body.size()));
  }
  std::ostream& out = session.sendRequest(request);
  out << body;
  Poco::Net::HTTPResponse response;
  std::istream& in = session.receiveResponse(response);
  HttpResult result;
  result.status = static_cast<int>(response.getStatus());
  std::ostringstream text;
  Poco::StreamCopier::copyStream(in, text);
  result.body = text.str();
  for (const auto& [name, value] : response) {
    result.headers[name] = value;
  }
  result.content_type = response.getContentType();
  return result;
}

std::string served_text(unsigned short port, const std::string& path) {
  try {
    const HttpResult answer = http(port, "GET", path);
    std::string text = answer.status == 200 ? answer.body : "";
    while (!text.empty() && (text.back() == '\n' || text.back() == '\r')) {
      text.pop_back();
    }
    return text;
  } catch (const std::exception&) {
    return "";  // nothing listens
  }
}

}  // namespace bosun::test
