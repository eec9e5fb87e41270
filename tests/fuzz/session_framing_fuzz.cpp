// libFuzzer entry point for the session protocol's framing (bosun/common/session_protocol.hpp,
// agent/src/cli/framed_output.hpp): whatever a command prints, in whatever pieces, the reader
// gets exactly those lines back and never takes one for the end of the reply. Built as a fuzzer
// with -DBOSUN_FUZZ=ON (clang); replayed over tests/fuzz/corpus-session in every build.

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <sstream>
#include <string>
#include <string_view>

#include "bosun/common/session_protocol.hpp"
#include "cli/framed_output.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view printed(reinterpret_cast<const char*>(data), size);
  std::ostringstream wire;
  {
    bosun::agent::cli::FramedOutput framed(wire.rdbuf());
    std::ostream out(&framed);
    // In pieces cut where the first byte says, flushed in between, as `logs -f` writes.
    const std::size_t step = size > 0 ? 1 + data[0] % 7 : 1;
    for (std::size_t at = 0; at < printed.size(); at += step) {
      out << printed.substr(at, step) << std::flush;
    }
    framed.finish();
  }
  std::string read_back;
  std::istringstream lines(wire.str());
  for (std::string line; std::getline(lines, line);) {
    int exit_code = 0;
    if (bosun::parse_session_done(line, exit_code)) {
      std::abort();  // the command's output ended the reply
    }
    read_back += std::string(bosun::session_output_line(line)) + "\n";
  }
  std::string expected(printed);
  if (!expected.empty() && expected.back() != '\n') {
    expected += '\n';
  }
  if (read_back != expected) {
    std::abort();
  }
  return 0;
}
