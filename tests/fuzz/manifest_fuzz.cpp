// libFuzzer entry point for the manifest loader. Built as a fuzzer with -DBOSUN_FUZZ=ON
// (clang), and replayed over tests/fuzz/corpus by the manifest_fuzz_corpus test.

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "bosun/manifest/loader.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  const bosun::manifest::LoadResult result = bosun::manifest::parse_manifest(text, "fuzz.yaml");
  // The invariant: a manifest, or at least one error explaining why not.
  if (!result.ok()) {
    bool has_error = false;
    for (const auto& diagnostic : result.diagnostics) {
      has_error = has_error || diagnostic.severity == bosun::manifest::Severity::error;
    }
    if (!has_error) {
      std::abort();
    }
  }
  return 0;
}
