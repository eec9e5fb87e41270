#include "api/http_request.hpp"

#include <cctype>
#include <sstream>

namespace bosun::agent::api {

bool parse_request_head(std::string_view head, PlainRequest& request, std::string& error) {
  const std::size_t line_end = head.find("\r\n");
  if (line_end == std::string_view::npos) {
    error = "malformed request line";
    return false;
  }
  std::istringstream line{std::string(head.substr(0, line_end))};
  std::string version;
  if (!(line >> request.method >> request.target >> version) || !version.starts_with("HTTP/1.")) {
    error = "malformed request line";
    return false;
  }
  std::string headers(head.substr(line_end + 2));
  for (char& c : headers) {
    c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  }
  const std::size_t length_at = headers.find("content-length:");
  if (length_at != std::string::npos) {
    try {
      request.content_length = std::stoll(headers.substr(length_at + 15, 20));
    } catch (const std::exception&) {
      error = "malformed Content-Length";
      return false;
    }
    if (request.content_length < 0) {
      error = "malformed Content-Length";
      return false;
    }
  }
  return true;
}

}  // namespace bosun::agent::api
