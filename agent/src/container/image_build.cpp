#include "container/image_build.hpp"

#include <cctype>
#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>

#include "bosun/common/text_file.hpp"
#include "container/container_names.hpp"
#include "deploy/steps/step_command.hpp"

namespace bosun::agent::container {
namespace {

namespace fs = std::filesystem;

std::string where(const manifest::Manifest& manifest, const manifest::Location& at) {
  return manifest.file + ":" + std::to_string(at.line) + ":" + std::to_string(at.column);
}

std::string trimmed(const std::string& text) {
  const std::size_t first = text.find_first_not_of(" \t\r");
  const std::size_t last = text.find_last_not_of(" \t\r");
  return first == std::string::npos ? "" : text.substr(first, last - first + 1);
}

// The text of the Dockerfile's instruction at `line` (1-based), for the failure message.
std::string instruction_at(const std::string& dockerfile, int line) {
  std::istringstream in(dockerfile);
  std::string text;
  for (int at = 1; std::getline(in, text); ++at) {
    if (at == line) {
      text = trimmed(text);
      return text.size() > 80 ? text.substr(0, 77) + "..." : text;
    }
  }
  return "";
}

}  // namespace

std::string missing_build_inputs(const manifest::Manifest& manifest,
                                 const std::string& release_dir) {
  std::string missing;
  const fs::path release(release_dir);
  for (const manifest::Service& service : manifest.services) {
    if (!service.container || !service.container->build) {
      continue;
    }
    const manifest::ContainerBuild& build = *service.container->build;
    const std::string path = "services." + service.name + ".container.build";
    std::error_code error;
    if (!fs::is_directory(release / build.context, error)) {
      missing += where(manifest, build.where) + ": " + path + ": no build context " +
                 build.context + " in the release\n";
    } else if (!fs::is_regular_file(release / build.dockerfile, error)) {
      missing += where(manifest, build.where) + ": " + path + ": no " + build.dockerfile +
                 " in the release (dockerfile: is relative to the release, like context:)\n";
    }
  }
  return missing;
}

int last_build_step(const std::string& log_text) {
  static const std::regex step(R"((?:^|\n)(?:Step|STEP) (\d+)/\d+ ?:)");
  int last = 0;
  for (std::sregex_iterator it(log_text.begin(), log_text.end(), step), end; it != end; ++it) {
    last = std::stoi((*it)[1].str());
  }
  return last;
}

int dockerfile_line_of_step(const std::string& dockerfile, int step) {
  std::istringstream in(dockerfile);
  std::string text;
  int count = 0;
  bool continued = false;  // the previous line ended with a backslash
  for (int line = 1; std::getline(in, text); ++line) {
    const std::string content = trimmed(text);
    const bool starts = !continued && !content.empty() && content[0] != '#';
    continued = !content.empty() && content.back() == '\\' && (continued || starts);
    if (starts && ++count == step) {
      return line;
    }
  }
  return 0;
}

ImageBuildOutcome build_images(const manifest::Manifest& manifest, const ImageBuildSite& site) {
  ImageBuildOutcome outcome;
  const fs::path release(site.release_dir);
  const auto deadline = std::chrono::steady_clock::now() + site.timeout;
  for (const manifest::Service& service : manifest.services) {
    if (!service.container || !service.container->build) {
      continue;
    }
    const manifest::ContainerSpec& container = *service.container;
    const std::string tag = built_image(manifest.app, service.name, site.release_id);
    const std::string dockerfile = (release / container.build->dockerfile).string();
    const std::vector<std::string> argv{container.engine,
                                        "build",
                                        "--network",
                                        "host",
                                        "-t",
                                        tag,
                                        "-f",
                                        dockerfile,
                                        (release / container.build->context).string()};
    const auto before = fs::exists(site.log_path) ? fs::file_size(site.log_path) : 0;
    std::ofstream(site.log_path, std::ios::app)
        << "$ " << container.engine << " build -t " << tag << " -f " << container.build->dockerfile
        << " " << container.build->context << "\n";
    std::map<std::string, std::string> env = site.env;
    env["DOCKER_BUILDKIT"] = "0";  // the classic builder's "Step N/M" names the failing line
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    const deploy::steps::StepCommandResult result = deploy::steps::run_step_command(
        {argv, env, site.release_dir, site.log_path, std::max(left, std::chrono::milliseconds(1)),
         site.pid_record});
    if (result.succeeded()) {
      outcome.built.push_back(tag);
      continue;
    }
    const std::string text = read_text_file(site.log_path).value_or("");
    const int step = last_build_step(text.substr(std::min<std::size_t>(before, text.size())));
    const std::string file = read_text_file(dockerfile).value_or("");
    const int line = step > 0 ? dockerfile_line_of_step(file, step) : 0;
    outcome.succeeded = false;
    outcome.failure = "image of " + service.name + ": " +
                      (line > 0 ? container.build->dockerfile + ":" + std::to_string(line) + ": " +
                                      instruction_at(file, line) + ": "
                                : "") +
                      result.describe();
    return outcome;
  }
  return outcome;
}

}  // namespace bosun::agent::container
