// What a host needs for the app's container services, and what their images declare: the
// engine there and answering (its version), the Node an image is built FROM against its
// package.json `engines.node` (the seeds' node:18 base for a Next.js that needs 20.9), and on
// the host, each container's port free or its own (seed incident 6: a second stack holding
// port 3000, named by its container).
#include <filesystem>
#include <regex>
#include <set>
#include <sstream>

#include "bosun/checks/app_requirements.hpp"
#include "bosun/checks/host_checks.hpp"
#include "bosun/common/text.hpp"
#include "bosun/common/text_file.hpp"
#include "capture.hpp"
#include "make_result.hpp"

namespace bosun::checks::detail {
namespace {

namespace fs = std::filesystem;

RequirementRow engine_row(const std::string& engine,
                          const std::map<std::string, std::string>& env) {
  const auto start = Clock::now();
  const Captured run = capture_command({engine, "version", "--format", "{{.Server.Version}}"}, env,
                                       "", std::chrono::seconds(15));
  RequirementRow row{"engine " + engine, "installed and answering", {}, true};
  if (!run.started || run.exit_code == 127) {
    row.result = make_result(
        Status::fail, engine + " is not installed (not in PATH)",
        engine == "docker" ? "apt-get install docker.io" : "apt-get install podman", start);
  } else if (run.exit_code != 0) {
    std::string said(trim(run.output));
    said = said.substr(said.rfind('\n') == std::string::npos ? 0 : said.rfind('\n') + 1);
    row.result = make_result(
        Status::fail, "the " + engine + " engine does not answer: " + said,
        engine == "docker" ? "start it: systemctl start docker" : "check `podman info`", start);
  } else {
    row.result = make_result(Status::pass, engine + " " + std::string(trim(run.output)), "", start);
  }
  return row;
}

// The image the Dockerfile's last stage is built FROM ("node:18-alpine"); "" when none.
std::string final_base(const std::string& dockerfile) {
  std::istringstream lines(dockerfile);
  std::string line;
  std::string base;
  static const std::regex from(R"(^\s*FROM\s+(?:--platform=\S+\s+)?(\S+))", std::regex::icase);
  std::smatch match;
  while (std::getline(lines, line)) {
    if (std::regex_search(line, match, from)) {
      base = match[1].str();
    }
  }
  return base;
}

// node:18 or node:20.9-alpine -> the newest version that tag can be (18.999.999, 20.9.999).
std::optional<Version> node_of_image(const std::string& image) {
  static const std::regex node(
      R"(^(?:(?:docker\.io/)?library/)?node:(\d+)(?:\.(\d+))?(?:\.(\d+))?)");
  std::smatch match;
  if (!std::regex_search(image, match, node)) {
    return std::nullopt;
  }
  const std::string text = match[1].str() + "." + (match[2].matched ? match[2].str() : "999") +
                           "." + (match[3].matched ? match[3].str() : "999");
  auto version = Version::parse(text);
  return version ? std::optional<Version>(*version) : std::nullopt;
}

std::optional<RequirementRow> image_node_row(const manifest::Service& service,
                                             const fs::path& release) {
  const manifest::ContainerBuild& build = *service.container->build;
  std::string unreadable;  // said by the host runtime check, not again here
  const std::string engine =
      node_engine((release / build.context / "package.json").string(), unreadable);
  if (engine.empty()) {
    return std::nullopt;
  }
  const auto start = Clock::now();
  const std::string base =
      final_base(read_text_file((release / build.dockerfile).string()).value_or(""));
  const auto version = node_of_image(base);
  if (!version) {
    return std::nullopt;  // not a node image: nothing declared to compare
  }
  const auto range = RuntimeRange::parse_npm(engine);
  RequirementRow row{"runtime node (image of " + service.name + ")",
                     engine + " (package.json engines.node)",
                     {},
                     true};
  if (!range) {
    row.result = make_result(Status::warn, "engines.node: " + range.error(), "", start);
    row.blocking = false;
  } else if (!range->satisfied_by(*version)) {
    row.result = make_result(Status::fail,
                             build.dockerfile + " builds FROM " + base +
                                 ", whose Node does not "
                                 "satisfy " +
                                 engine + ", which package.json asks for",
                             "build FROM a node image that does: e.g. node:" +
                                 std::to_string(version->parts().front() + 2) + "-slim",
                             start);
  } else {
    row.result = make_result(Status::pass, "FROM " + base, "", start);
  }
  return row;
}

// The port a service is probed on (its readiness http or tcp check), 0 when none.
std::uint16_t probed_port(const manifest::Service& service) {
  if (!service.ready) {
    return 0;
  }
  if (const auto* tcp = std::get_if<manifest::TcpCheck>(&service.ready->check.kind)) {
    return tcp->port;
  }
  if (const auto* http = std::get_if<manifest::HttpCheck>(&service.ready->check.kind)) {
    // Only a port written in the URL: one left to the scheme's default is not the app's own.
    static const std::regex port(R"(^https?://[^/]*:(\d+))");
    std::smatch match;
    if (std::regex_search(http->url, match, port)) {
      return static_cast<std::uint16_t>(std::stoi(match[1].str()));
    }
  }
  return 0;
}

}  // namespace

std::vector<RequirementRow> container_rows(const AppRequirementInputs& inputs) {
  std::vector<RequirementRow> rows;
  std::set<std::string> engines;
  for (const manifest::Service& service : inputs.services) {
    if (service.container) {
      engines.insert(service.container->engine);
    }
  }
  for (const std::string& engine : engines) {
    if (inputs.on_host) {  // the laptop builds and runs no image
      rows.push_back(engine_row(engine, inputs.env));
    }
  }
  for (const manifest::Service& service : inputs.services) {
    if (!service.container) {
      continue;
    }
    if (service.container->build) {
      if (auto row = image_node_row(service, inputs.release_dir)) {
        rows.push_back(std::move(*row));
      }
    }
    const std::uint16_t port = probed_port(service);
    if (inputs.on_host && port != 0 && !service.proxy) {
      CheckResult free = check_port_free(port, inputs.own_pids);
      // A container of this app's holds it (a running instance of the service): not a gap.
      if (!free.passed() &&
          free.evidence.find("the container bosun-" + inputs.app + "-") != std::string::npos) {
        free.status = Status::pass;
      }
      rows.push_back({"port " + std::to_string(port) + " (" + service.name + ")",
                      "free or the app's", std::move(free), true});
    }
  }
  return rows;
}

bool runtime_is_the_images(const AppRequirementInputs& inputs) {
  for (const manifest::Service& service : inputs.services) {
    if (service.container && service.container->build &&
        fs::path(service.container->build->context).lexically_normal() == ".") {
      return true;
    }
  }
  return false;
}

}  // namespace bosun::checks::detail
