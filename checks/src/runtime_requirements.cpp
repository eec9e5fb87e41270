// The runtime an app's own files ask for, against the host's: package.json `engines.node`
// (the seeds' Next.js needed Node >= 20.9 on a host with 18), and pyproject.toml's
// `requires-python` or .python-version against python3.
#include <filesystem>
#include <fstream>
#include <sstream>

#include <Poco/JSON/Object.h>
#include <Poco/JSON/Parser.h>

#include "bosun/checks/app_requirements.hpp"
#include "bosun/common/text.hpp"
#include "bosun/common/text_file.hpp"
#include "capture.hpp"
#include "make_result.hpp"

namespace bosun::checks::detail {

namespace {

namespace fs = std::filesystem;

std::string read_text(const fs::path& path) {
  return read_text_file(path.string()).value_or("");
}

// requires-python = ">=3.10" from pyproject.toml (read as lines: the key is unique enough).
std::string requires_python(const fs::path& pyproject) {
  std::istringstream lines(read_text(pyproject));
  std::string line;
  while (std::getline(lines, line)) {
    const std::string_view trimmed = trim(line);
    if (!trimmed.starts_with("requires-python")) {
      continue;
    }
    const std::size_t open = trimmed.find_first_of("\"'");
    const std::size_t close =
        open == std::string_view::npos ? open : trimmed.find(trimmed[open], open + 1);
    if (close != std::string_view::npos) {
      return std::string(trimmed.substr(open + 1, close - open - 1));
    }
  }
  return "";
}

RequirementRow runtime_row(const std::string& tool, const std::string& asked_in,
                           const tl::expected<RuntimeRange, std::string>& range,
                           const std::map<std::string, std::string>& env,
                           const std::string& install_hint) {
  const auto start = Clock::now();
  RequirementRow row;
  row.requirement = "runtime " + tool;
  row.required = range ? range->text() + " (" + asked_in + ")" : asked_in;
  if (!range) {
    row.result = make_result(Status::warn, asked_in + ": " + range.error(),
                             "write the range as npm or PEP 440 do", start);
    row.blocking = false;
    return row;
  }
  const Captured run = capture_command({tool, "--version"}, env, "", std::chrono::seconds(5));
  const auto version =
      run.started && run.exit_code == 0 ? Version::find_in(run.output) : std::optional<Version>();
  if (!run.started || run.exit_code == 127) {
    row.result = make_result(Status::fail, tool + " is not installed (not in PATH)",
                             "install " + tool + " " + range->text() + ": " + install_hint, start);
  } else if (!version) {
    row.result = make_result(Status::warn, "could not read a version from " + tool + " --version",
                             "check it by hand", start);
    row.blocking = false;
  } else if (!range->satisfied_by(*version)) {
    row.result = make_result(Status::fail,
                             tool + " " + version->to_string() + " does not satisfy " +
                                 range->text() + ", which " + asked_in + " asks for",
                             "install " + tool + " " + range->text() + ": " + install_hint, start);
  } else {
    row.result = make_result(Status::pass, tool + " " + version->to_string(), "", start);
  }
  return row;
}

}  // namespace

// package.json's engines.node, or "" when it asks for nothing.
std::string node_engine(const std::string& package_json_path, std::string& problem) {
  const fs::path package_json(package_json_path);
  try {
    Poco::JSON::Parser parser;
    const auto root = parser.parse(read_text(package_json)).extract<Poco::JSON::Object::Ptr>();
    const auto engines = root->getObject("engines");
    return engines && engines->has("node") ? engines->getValue<std::string>("node") : "";
  } catch (const Poco::Exception& error) {
    problem = package_json.string() + " is not valid JSON: " + error.displayText();
  } catch (const std::exception& error) {
    problem = package_json.string() + " is not valid JSON: " + error.what();
  }
  return "";
}

std::vector<RequirementRow> runtime_rows(const AppRequirementInputs& inputs) {
  std::vector<RequirementRow> rows;
  const fs::path dir = inputs.release_dir;
  if (fs::exists(dir / "package.json")) {
    std::string problem;
    const std::string engine = node_engine((dir / "package.json").string(), problem);
    if (!problem.empty()) {
      rows.push_back({"runtime node", "package.json",
                      make_result(Status::warn, problem,
                                  "fix the "
                                  "file",
                                  Clock::now()),
                      false});
    } else if (!engine.empty()) {
      rows.push_back(runtime_row("node", "package.json engines.node",
                                 RuntimeRange::parse_npm(engine), inputs.env,
                                 "Debian and Ubuntu's own nodejs may be older; NodeSource's "
                                 "packages or nvm give a newer one"));
    }
  }
  std::string python;
  std::string asked_in;
  if (fs::exists(dir / "pyproject.toml")) {
    python = requires_python(dir / "pyproject.toml");
    asked_in = "pyproject.toml requires-python";
  }
  if (python.empty() && fs::exists(dir / ".python-version")) {
    python = "=" + std::string(trim(read_text(dir / ".python-version")));
    asked_in = ".python-version";
  }
  if (!python.empty() && python != "=") {
    rows.push_back(runtime_row("python3", asked_in, RuntimeRange::parse_pep440(python), inputs.env,
                               "the distribution's python3 package, or deadsnakes/pyenv for "
                               "another version"));
  }
  return rows;
}

}  // namespace bosun::checks::detail
