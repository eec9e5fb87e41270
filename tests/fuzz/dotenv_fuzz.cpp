// libFuzzer entry point for the .env grammar (bosun/common/environment.hpp): any input is read
// or refused with a runtime_error, and what was read, written back by format_dotenv, reads back
// the same. Built as a fuzzer with -DBOSUN_FUZZ=ON (clang); replayed over
// tests/fuzz/corpus-dotenv in every build.

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <stdexcept>
#include <string>

#include "bosun/common/environment.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  std::map<std::string, std::string> values;
  try {
    values = bosun::parse_dotenv(text);
  } catch (const std::runtime_error&) {
    return 0;  // refused, naming the line: fine
  }
  if (bosun::parse_dotenv(bosun::format_dotenv(values)) != values) {
    std::abort();
  }
  return 0;
}
