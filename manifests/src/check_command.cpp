#include "bosun/manifest/check_command.hpp"

#include <cstdlib>
#include <ostream>

#include "bosun/common/cli.hpp"
#include "bosun/common/exit_codes.hpp"
#include "bosun/manifest/loader.hpp"
#include "bosun/manifest/summary.hpp"

namespace bosun::manifest {

int run_check_command(const std::string& command_path, const std::vector<std::string>& args,
                      std::ostream& out, std::ostream& err) {
  std::string config;
  bool json = false;
  cli::ArgParser parser(command_path,
                        "Load the app manifest, report every problem in it as file:line:col, "
                        "or print what it defines with all defaults filled in.");
  parser
      .option("config", 'c', "FILE", "manifest to check (default: $BOSUN_CONFIG or app.yaml)",
              config)
      .flag("json", 0, "print the result as JSON on stdout", json)
      .epilog("Exit status: 0 valid (warnings may be printed), 2 invalid or unreadable.\n");
  if (const auto code = parser.parse_or_exit_code(args, out, err)) {
    return *code;
  }
  if (config.empty()) {
    const char* from_env = std::getenv("BOSUN_CONFIG");
    config = from_env != nullptr && *from_env != '\0' ? from_env : "app.yaml";
  }
  const LoadResult result = load_manifest_file(config);
  if (json) {
    out << (result.ok() ? to_json(*result.manifest, result.diagnostics)
                        : diagnostics_to_json(result.diagnostics));
    return result.ok() ? exit_code::k_ok : exit_code::k_invalid_input;
  }
  std::size_t errors = 0;
  std::size_t warnings = 0;
  for (const Diagnostic& diagnostic : result.diagnostics) {
    err << format_diagnostic(diagnostic) << "\n";
    (diagnostic.severity == Severity::error ? errors : warnings) += 1;
  }
  if (!result.ok()) {
    err << config << ": " << errors << (errors == 1 ? " error" : " errors");
    if (warnings > 0) {
      err << ", " << warnings << (warnings == 1 ? " warning" : " warnings");
    }
    err << "\n";
    return exit_code::k_invalid_input;
  }
  out << summarize(*result.manifest);
  return exit_code::k_ok;
}

}  // namespace bosun::manifest
