#pragma once
// The head of an HTTP/1.1 request as the agent's API reads it: the request line and the one
// header it uses (Content-Length). Pure, so that it can be fuzzed (tests/fuzz).

#include <cstdint>
#include <string>
#include <string_view>

namespace bosun::agent::api {

struct PlainRequest {
  std::string method;
  std::string target;
  std::int64_t content_length = 0;
};

// `head`: the bytes up to and including the blank line. False, with `error` set, when it is
// not a request head the API takes.
bool parse_request_head(std::string_view head, PlainRequest& request, std::string& error);

}  // namespace bosun::agent::api
