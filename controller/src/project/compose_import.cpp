#include "project/compose_import.hpp"

#include <yaml-cpp/yaml.h>

#include "bosun/manifest/loader.hpp"

#include <algorithm>
#include <regex>
#include <set>
#include <sstream>

namespace bosun::controller::project {
namespace {

namespace fs = std::filesystem;

// A YAML double-quoted scalar (JSON's escapes are YAML's).
std::string quoted(const std::string& text) {
  std::string out = "\"";
  for (const char c : text) {
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\t':
        out += "\\t";
        break;
      default:
        out += c;
    }
  }
  return out + "\"";
}

std::string flow_list(const std::vector<std::string>& items) {
  std::string out = "[";
  for (std::size_t i = 0; i < items.size(); ++i) {
    out += (i == 0 ? "" : ", ") + quoted(items[i]);
  }
  return out + "]";
}

std::vector<std::string> words_of(const YAML::Node& node) {
  std::vector<std::string> words;
  if (node.IsSequence()) {
    for (const auto& word : node) {
      words.push_back(word.as<std::string>());
    }
  } else if (node.IsScalar()) {
    std::istringstream in(node.as<std::string>());
    for (std::string word; in >> word;) {
      words.push_back(word);
    }
  }
  return words;
}

// A bosun-valid name from a Compose one (lowercase letters, digits, - and _).
std::string bosun_name(std::string name) {
  for (char& c : name) {
    c = static_cast<char>(std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-'
                              ? std::tolower(static_cast<unsigned char>(c))
                              : '-');
  }
  return name;
}

class Importer {
 public:
  Importer(const fs::path& compose_file, const fs::path& project_dir, std::string app)
      : m_app(std::move(app)),
        m_file_name(compose_file.filename().string()),
        m_base(fs::absolute(compose_file).parent_path().lexically_normal()),
        m_project(fs::absolute(project_dir).lexically_normal()) {}

  void unmapped(const YAML::Node& at, const std::string& path, const std::string& why) {
    m_result.unmapped.push_back(m_file_name + ":" + std::to_string(at.Mark().line + 1) + ": " +
                                path + ": " + why);
  }
  void note(const YAML::Node& at, const std::string& path, const std::string& what) {
    m_result.notes.push_back(m_file_name + ":" + std::to_string(at.Mark().line + 1) + ": " + path +
                             ": " + what);
  }

  // A path of the compose file's, relative to the project; "" when it leaves the project.
  std::string in_project(const std::string& path) const {
    const fs::path absolute = (m_base / path).lexically_normal();
    const fs::path relative = absolute.lexically_relative(m_project);
    if (relative.empty() || relative.string().starts_with("..")) {
      return "";
    }
    return relative == "." ? "." : relative.generic_string();
  }

  void service(const std::string& name, const YAML::Node& body, std::ostream& out);
  ComposeImport& result() { return m_result; }

 private:
  void build(const std::string& path, const YAML::Node& node, std::ostream& out);
  void volumes(const std::string& path, const YAML::Node& node, std::ostream& out);
  void environment(const std::string& path, const YAML::Node& body, std::ostream& out);
  void healthcheck(const std::string& path, const std::string& name, const YAML::Node& node,
                   std::ostream& out);

  std::string m_app;
  std::string m_file_name;
  fs::path m_base;
  fs::path m_project;
  ComposeImport m_result;
};

void Importer::build(const std::string& path, const YAML::Node& node, std::ostream& out) {
  // Compose: the context is relative to the compose file, the Dockerfile to the context.
  const std::string context_text =
      node.IsScalar() ? node.as<std::string>() : node["context"].as<std::string>(".");
  const std::string dockerfile_text =
      node.IsMap() && node["dockerfile"] ? node["dockerfile"].as<std::string>() : "Dockerfile";
  const std::string context = in_project(context_text);
  if (context.empty()) {
    unmapped(node, path,
             "the build context " + context_text +
                 " is outside the project: a release holds only the repository");
    return;
  }
  const std::string dockerfile =
      (fs::path(context) / dockerfile_text).lexically_normal().generic_string();
  out << "      build: {context: " << quoted(context) << ", dockerfile: " << quoted(dockerfile)
      << "}\n";
  if (context_text != context) {
    note(node, path,
         "context " + context_text + " resolved from the compose file's folder: " + context);
  }
  if (node.IsMap()) {
    for (const auto& entry : node) {
      const std::string key = entry.first.as<std::string>();
      if (key != "context" && key != "dockerfile") {
        unmapped(entry.first, path + "." + key,
                 "not mapped (bosun builds with the context and "
                 "Dockerfile only)");
      }
    }
  }
}

void Importer::volumes(const std::string& path, const YAML::Node& node, std::ostream& out) {
  std::vector<std::string> mapped;
  for (const auto& volume : node) {
    if (!volume.IsScalar()) {
      unmapped(volume, path, "the long volume syntax is not mapped: write SOURCE:TARGET");
      continue;
    }
    const std::string text = volume.as<std::string>();
    const std::size_t colon = text.find(':');
    if (colon == std::string::npos) {
      unmapped(volume, path, text + ": an anonymous volume is not kept across releases");
      continue;
    }
    const std::string source = text.substr(0, colon);
    const std::string rest = text.substr(colon);
    std::string shared;
    if (source.starts_with(".") || source.starts_with("/")) {
      const std::string relative = in_project(source);
      if (relative.empty() || relative == ".") {
        unmapped(volume, path,
                 source +
                     " is outside the project's folders: bosun keeps state "
                     "under ${shared}");
        continue;
      }
      // A folder the repository has (init scripts, config) comes with each release; one it
      // does not have is state the app writes, kept across releases.
      std::error_code error;
      if (fs::exists(m_project / relative, error)) {
        mapped.push_back("${release}/" + relative + rest);
        note(volume, path, source + " is in the repository: ${release}/" + relative);
        continue;
      }
      shared = relative;
      note(volume, path, source + " is state: ${shared}/" + relative + ", kept across releases");
    } else {
      shared = "volumes/" + source;  // a named volume: a folder of its own under shared/
      note(volume, path, "the named volume " + source + " is ${shared}/" + shared);
    }
    mapped.push_back("${shared}/" + shared + rest);
    m_result.shared.push_back(shared);
  }
  if (!mapped.empty()) {
    out << "      volumes: " << flow_list(mapped) << "\n";
  }
}

void Importer::environment(const std::string& path, const YAML::Node& body, std::ostream& out) {
  std::vector<std::pair<std::string, std::string>> env;
  if (const YAML::Node node = body["environment"]) {
    if (node.IsMap()) {
      for (const auto& entry : node) {
        env.emplace_back(entry.first.as<std::string>(),
                         entry.second.IsNull() ? "" : entry.second.as<std::string>());
      }
    } else {
      for (const auto& entry : node) {
        const std::string text = entry.as<std::string>();
        const std::size_t equals = text.find('=');
        if (equals == std::string::npos) {
          unmapped(entry, path + ".environment",
                   text +
                       " takes its value from the shell running "
                       "compose: put it in .bosun/secrets");
          continue;
        }
        env.emplace_back(text.substr(0, equals), text.substr(equals + 1));
      }
    }
  }
  std::vector<std::pair<std::string, std::string>> plain;
  for (auto& [name, value] : env) {
    if (manifest::looks_like_secret_name(name) && value.find("${") == std::string::npos) {
      m_result.secrets.emplace_back(name, value);
      note(body["environment"], path + ".environment." + name,
           "a secret: listed under secrets:, its value written to .bosun/secrets");
    } else {
      plain.emplace_back(name, value);
    }
  }
  if (!plain.empty()) {
    out << "    env:\n";
    for (const auto& [name, value] : plain) {
      out << "      " << name << ": " << quoted(value) << "\n";
    }
  }
  if (const YAML::Node files = body["env_file"]) {
    std::vector<YAML::Node> listed;
    if (files.IsSequence()) {
      for (const auto& file : files) {
        listed.push_back(file);
      }
    } else {
      listed.push_back(files);
    }
    for (const YAML::Node& file : listed) {
      const std::string name =
          file.IsScalar() ? file.as<std::string>() : file["path"].as<std::string>("");
      if (in_project(name) == ".env") {
        // The agent passes shared/.env to every service: the file seed incident 5 forgot.
        m_result.shared.push_back(".env");
        note(file, path + ".env_file",
             name + " is the host's shared/.env, passed to the container");
      } else {
        unmapped(file, path + ".env_file",
                 name + ": only .env maps (the host's shared/.env); move its values there");
      }
    }
  }
}

void Importer::healthcheck(const std::string& path, const std::string& name, const YAML::Node& node,
                           std::ostream& out) {
  const YAML::Node test = node["test"];
  if (!test) {
    return;
  }
  std::vector<std::string> words = words_of(test);
  if (!words.empty() && (words[0] == "CMD" || words[0] == "CMD-SHELL")) {
    const bool shell = words[0] == "CMD-SHELL";
    words.erase(words.begin());
    if (shell && test.IsSequence()) {
      std::string line;
      for (const std::string& word : words) {
        line += (line.empty() ? "" : " ") + word;
      }
      words = {"sh", "-c", line};
    }
  } else if (!words.empty() && words[0] == "NONE") {
    return;
  }
  // Run inside the container, as Compose does: the instance's container is PREFIX-${pid}.
  std::vector<std::string> exec{"docker", "exec", "bosun-" + m_app + "-" + name + "-${pid}"};
  exec.insert(exec.end(), words.begin(), words.end());
  out << "    ready: {exec: " << flow_list(exec) << ", timeout: 120s}\n";
  note(test, path + ".test", "the healthcheck is the readiness check, run in the container");
}

void Importer::service(const std::string& name, const YAML::Node& body, std::ostream& out) {
  const std::string path = "services." + name;
  const std::string own = bosun_name(name);
  out << "  " << own << ":\n    container:\n";
  static const std::set<std::string> handled{"build",
                                             "image",
                                             "command",
                                             "entrypoint",
                                             "environment",
                                             "env_file",
                                             "volumes",
                                             "depends_on",
                                             "healthcheck",
                                             "ports",
                                             "user",
                                             "init",
                                             "mem_limit",
                                             "cpus",
                                             "restart",
                                             "deploy",
                                             "container_name",
                                             "stop_signal",
                                             "stop_grace_period",
                                             "expose"};
  if (body["build"]) {
    build(path + ".build", body["build"], out);
    if (body["image"]) {
      note(body["image"], path + ".image",
           "built per release as bosun-APP-" + own + ":RELEASE, not tagged " +
               body["image"].as<std::string>());
    }
  } else if (body["image"]) {
    out << "      image: " << quoted(body["image"].as<std::string>()) << "\n";
  } else {
    unmapped(body, path, "has neither build: nor image:");
  }
  if (body["volumes"]) {
    volumes(path + ".volumes", body["volumes"], out);
  }
  if (body["init"] && body["init"].as<bool>(false)) {
    out << "      init: true\n";
  }
  const YAML::Node limits = body["deploy"] ? body["deploy"]["resources"]["limits"] : YAML::Node();
  const YAML::Node memory = body["mem_limit"] ? body["mem_limit"]
                            : limits          ? limits["memory"]
                                              : YAML::Node();
  const YAML::Node cpus = body["cpus"] ? body["cpus"] : limits ? limits["cpus"] : YAML::Node();
  if (memory) {
    out << "      memory: " << quoted(memory.as<std::string>()) << "\n";
  }
  if (cpus) {
    out << "      cpus: " << quoted(cpus.as<std::string>()) << "\n";
  }
  if (body["entrypoint"]) {
    unmapped(body["entrypoint"], path + ".entrypoint",
             "not mapped: set ENTRYPOINT in the Dockerfile");
  }
  if (const YAML::Node command = body["command"]) {
    out << "    command: " << flow_list(words_of(command)) << "\n";
    if (command.IsScalar()) {
      note(command, path + ".command", "split into words as Compose does (no shell)");
    }
  }
  if (body["user"]) {
    out << "    user: " << quoted(body["user"].as<std::string>()) << "\n";
  }
  environment(path, body, out);
  if (const YAML::Node depends = body["depends_on"]) {
    std::vector<std::string> names;
    for (const auto& entry : depends) {
      const bool mapped = depends.IsMap();
      const std::string other = mapped ? entry.first.as<std::string>() : entry.as<std::string>();
      names.push_back(bosun_name(other));
      if (mapped && entry.second["condition"] &&
          entry.second["condition"].as<std::string>() != "service_healthy") {
        note(entry.first, path + ".depends_on." + other,
             "condition " + entry.second["condition"].as<std::string>() +
                 " is stricter in bosun: it waits for " + other + " to be ready");
      }
    }
    out << "    depends_on: " << flow_list(names) << "\n";
  }
  if (body["healthcheck"]) {
    healthcheck(path + ".healthcheck", own, body["healthcheck"], out);
  }
  if (body["stop_signal"]) {
    std::string signal = body["stop_signal"].as<std::string>();
    if (signal.starts_with("SIG")) {
      signal = signal.substr(3);
    }
    out << "    stop: {signal: " << signal << "}\n";
  }
  if (const YAML::Node ports = body["ports"]) {
    for (const auto& port : ports) {
      const std::string text = port.as<std::string>("");
      static const std::regex mapping(R"((?:([\d.]+):)?(\d+):(\d+)(?:/tcp)?)");
      std::smatch match;
      if (std::regex_match(text, match, mapping) && match[2] != match[3]) {
        unmapped(port, path + ".ports",
                 text +
                     ": with host networking the container listens on the host's port "
                     "itself; make it listen on " +
                     match[2].str() + " (or bosun's deploy: proxy ports)");
      } else {
        note(port, path + ".ports",
             text +
                 ": not published; with host networking the container listens on the host's "
                 "port itself");
      }
    }
  }
  if (body["restart"] && body["restart"].as<std::string>("") == "no") {
    unmapped(body["restart"], path + ".restart",
             "no: bosun restarts a service that exits (with backoff and crash-loop detection)");
  }
  for (const auto& entry : body) {
    const std::string key = entry.first.as<std::string>();
    if (!handled.contains(key)) {
      unmapped(entry.first, path + "." + key,
               key == "networks" || key == "network_mode"
                   ? "not mapped: bosun runs containers with host networking"
                   : "not mapped");
    } else if (key == "container_name") {
      note(entry.first, path + ".container_name",
           "bosun names the containers itself (bosun-APP-SERVICE-PID)");
    }
  }
}

}  // namespace

tl::expected<ComposeImport, std::string> import_compose(const fs::path& compose_file,
                                                        const fs::path& project_dir,
                                                        const std::string& app,
                                                        const std::string& repo) {
  YAML::Node root;
  try {
    root = YAML::LoadFile(compose_file.string());
  } catch (const YAML::BadFile&) {
    return tl::make_unexpected("cannot read " + compose_file.string());
  } catch (const YAML::Exception& error) {
    return tl::make_unexpected(compose_file.string() + ":" + std::to_string(error.mark.line + 1) +
                               ": " + error.msg);
  }
  if (!root.IsMap() || !root["services"] || !root["services"].IsMap()) {
    return tl::make_unexpected(compose_file.string() + ": no services: map");
  }
  const std::string name = root["name"] ? bosun_name(root["name"].as<std::string>()) : app;
  Importer importer(compose_file, project_dir, name);
  std::ostringstream services;
  try {
    for (const auto& entry : root["services"]) {
      importer.service(entry.first.as<std::string>(), entry.second, services);
    }
  } catch (const YAML::Exception& error) {
    return tl::make_unexpected(compose_file.string() + ":" + std::to_string(error.mark.line + 1) +
                               ": " + error.msg);
  }
  for (const char* key : {"networks", "configs", "secrets"}) {
    if (root[key]) {
      importer.unmapped(root[key], key, "not mapped");
    }
  }
  ComposeImport& result = importer.result();
  const auto by_line = [](const std::string& a, const std::string& b) {
    const auto line = [](const std::string& text) {
      const std::size_t colon = text.find(':');
      return std::atoi(text.c_str() + (colon == std::string::npos ? 0 : colon + 1));
    };
    return line(a) < line(b);
  };
  std::stable_sort(result.notes.begin(), result.notes.end(), by_line);
  std::stable_sort(result.unmapped.begin(), result.unmapped.end(), by_line);
  std::sort(result.shared.begin(), result.shared.end());
  result.shared.erase(std::unique(result.shared.begin(), result.shared.end()), result.shared.end());
  std::ostringstream out;
  out << "# app.yaml from " << compose_file.filename().string()
      << " (bosun init --from): each Compose service runs as a container, with host networking.\n"
         "# Check it with `bosun manifest check`; docs/CONTAINERS.md walks through the rest.\n"
      << "app: " << name << "\nrepo: " << quoted(repo) << "\n";
  if (!result.secrets.empty()) {
    std::vector<std::string> names;
    for (const auto& [secret, value] : result.secrets) {
      names.push_back(secret);
    }
    out << "secrets: " << flow_list(names) << "\n";
  }
  if (!result.shared.empty()) {
    out << "shared: " << flow_list(result.shared) << "\n";
  }
  out << "services:\n" << services.str();
  for (const std::string& line : result.unmapped) {
    out << "# not mapped: " << line << "\n";
  }
  result.manifest = out.str();
  return std::move(result);
}

}  // namespace bosun::controller::project
