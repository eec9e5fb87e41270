// libFuzzer entry point for the agent API's request-head parser (api/http_request.hpp). Built
// as a fuzzer with -DBOSUN_FUZZ=ON (clang); replayed over tests/fuzz/corpus-http in every build.

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "api/http_request.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view head(reinterpret_cast<const char*>(data), size);
  bosun::agent::api::PlainRequest request;
  std::string error;
  const bool ok = bosun::agent::api::parse_request_head(head, request, error);
  // The invariant: a request with a method, a target and a length that is not negative, or a
  // reason.
  if (ok ? request.method.empty() || request.target.empty() || request.content_length < 0
         : error.empty()) {
    std::abort();
  }
  return 0;
}
