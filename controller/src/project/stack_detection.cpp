#include "project/stack_detection.hpp"

#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>

#include <Poco/JSON/Object.h>
#include <Poco/JSON/Parser.h>
#include <yaml-cpp/yaml.h>

#include "bosun/common/names.hpp"
#include "bosun/common/text_file.hpp"

namespace bosun::controller::project {

namespace {

namespace fs = std::filesystem;

std::string read_text(const fs::path& path) {
  return read_text_file(path.string()).value_or("");
}

// "My Shop_API" -> "my-shop-api": the naming rule's characters only.
std::string app_name_from(std::string text) {
  std::string name;
  for (char c : text) {
    const auto lower = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    if (std::isalnum(static_cast<unsigned char>(lower)) != 0) {
      name += lower;
    } else if (!name.empty() && name.back() != '-') {
      name += '-';
    }
  }
  while (!name.empty() && name.back() == '-') {
    name.pop_back();
  }
  name = name.substr(0, 63);
  return is_valid_name(name) ? name : "app";
}

// The first number a pattern captures in `text`, or 0.
std::uint16_t port_in(const std::string& text, const std::regex& pattern) {
  std::smatch match;
  if (std::regex_search(text, match, pattern)) {
    const long port = std::stol(match[1]);
    if (port > 0 && port < 65536) {
      return static_cast<std::uint16_t>(port);
    }
  }
  return 0;
}

// The Python module (and variable) defining `constructor(`, e.g. "api.main:app".
std::string python_app(const fs::path& dir, const std::string& constructor) {
  const std::regex defined("^(\\w+)\\s*=\\s*" + constructor + "\\(");
  std::error_code error;
  for (fs::recursive_directory_iterator it(dir, error), end; !error && it != end;
       it.increment(error)) {
    const std::string name = it->path().filename().string();
    if (it->is_directory() && (name.starts_with(".") || name == "node_modules" ||
                               name == "migrations" || name == "venv" || it.depth() > 2)) {
      it.disable_recursion_pending();
      continue;
    }
    if (it->path().extension() != ".py") {
      continue;
    }
    std::istringstream lines(read_text(it->path()));
    std::smatch match;
    for (std::string line; std::getline(lines, line);) {
      if (std::regex_search(line, match, defined)) {
        fs::path module = it->path().lexically_relative(dir);
        module.replace_extension();
        std::string dotted = module.generic_string();
        std::replace(dotted.begin(), dotted.end(), '/', '.');
        return dotted + ":" + match[1].str();
      }
    }
  }
  return "";
}

std::vector<ComposeService> compose_services(const fs::path& file, std::string& problem) {
  std::vector<ComposeService> services;
  try {
    const YAML::Node root = YAML::LoadFile(file.string());
    for (const auto& entry : root["services"]) {
      ComposeService service;
      service.name = entry.first.as<std::string>();
      service.line = entry.first.Mark().line + 1;
      const YAML::Node& body = entry.second;
      if (body["image"]) {
        service.image = body["image"].as<std::string>();
      } else if (body["build"]) {
        service.image =
            "build: " + (body["build"].IsScalar() ? body["build"].as<std::string>()
                                                  : body["build"]["context"].as<std::string>("."));
      }
      if (body["ports"]) {
        for (const auto& port : body["ports"]) {
          service.ports.push_back(port.as<std::string>());
        }
      }
      const YAML::Node env_file = body["env_file"] ? body["env_file"] : YAML::Node();
      if (env_file && env_file.IsScalar()) {
        service.env_files.push_back(env_file.as<std::string>());
      } else if (env_file) {
        for (const auto& item : env_file) {
          service.env_files.push_back(item.IsScalar() ? item.as<std::string>()
                                                      : item["path"].as<std::string>(""));
        }
      }
      const YAML::Node test = body["healthcheck"] ? body["healthcheck"]["test"] : YAML::Node();
      if (test && test.IsSequence()) {
        for (const auto& word : test) {
          service.healthcheck += (service.healthcheck.empty() ? "" : " ") + word.as<std::string>();
        }
      } else if (test) {
        service.healthcheck = test.as<std::string>();
      }
      services.push_back(std::move(service));
    }
  } catch (const YAML::Exception& error) {
    problem = error.what();  // said beside what was found; nothing is listed
  }
  return services;
}

manifest::DatabaseKind database_named_in(const std::string& text) {
  for (const char* postgres : {"psycopg", "asyncpg", "\"pg\"", "postgres"}) {
    if (text.find(postgres) != std::string::npos) {
      return manifest::DatabaseKind::postgres;
    }
  }
  for (const char* mysql : {"pymysql", "mysqlclient", "mysql2", "\"mysql\"", "mariadb"}) {
    if (text.find(mysql) != std::string::npos) {
      return manifest::DatabaseKind::mysql;
    }
  }
  return manifest::DatabaseKind::none;
}

void detect_node(const fs::path& dir, DetectedStack& stack) {
  Poco::JSON::Object::Ptr package;
  try {
    package = Poco::JSON::Parser()
                  .parse(read_text(dir / "package.json"))
                  .extract<Poco::JSON::Object::Ptr>();
  } catch (const Poco::Exception&) {
    stack.evidence.push_back("package.json is not valid JSON");
    return;
  }
  const auto dependencies = package->getObject("dependencies");
  const auto has = [&](const std::string& name) { return dependencies && dependencies->has(name); };
  if (package->has("name")) {
    stack.app = app_name_from(package->getValue<std::string>("name"));
  }
  stack.lockfile = fs::exists(dir / "package-lock.json");
  stack.knex = has("knex") && fs::exists(dir / "knexfile.js");
  std::ostringstream deps;
  if (dependencies) {
    dependencies->stringify(deps);
  }
  stack.database = database_named_in(deps.str());
  if (has("next")) {
    stack.kind = StackKind::nextjs;
    stack.port = 3000;
    stack.evidence.push_back("package.json depends on next");
    return;
  }
  if (!has("express")) {
    return;
  }
  stack.kind = StackKind::express;
  stack.evidence.push_back("package.json depends on express");
  stack.entry = package->optValue<std::string>("main", "index.js");
  const std::regex listen(R"((?:listen\(|PORT\s*\|\|\s*|port:\s*)(\d{2,5}))");
  stack.port = 3000;
  for (const std::string& file : {stack.entry, std::string("config.js")}) {
    if (const auto port = port_in(read_text(dir / file), listen); port != 0) {
      stack.port = port;
      break;
    }
  }
}

void detect_python(const fs::path& dir, DetectedStack& stack) {
  const std::string requirements =
      read_text(dir / "requirements.txt") + read_text(dir / "pyproject.toml");
  stack.requirements = fs::exists(dir / "requirements.txt");
  stack.alembic = fs::exists(dir / "alembic.ini");
  stack.database = database_named_in(requirements);
  for (const auto& [kind, constructor, name] :
       {std::tuple{StackKind::fastapi, "FastAPI", "fastapi"},
        std::tuple{StackKind::flask, "Flask", "flask"}}) {
    const std::string module = python_app(dir, constructor);
    if (!module.empty()) {
      stack.kind = kind;
      stack.module = module;
      stack.evidence.push_back(std::string(name) + " app in " + module);
      return;
    }
  }
}

}  // namespace

std::string to_string(StackKind kind) {
  switch (kind) {
    case StackKind::fastapi:
      return "FastAPI";
    case StackKind::flask:
      return "Flask";
    case StackKind::express:
      return "Express";
    case StackKind::nextjs:
      return "Next.js";
    case StackKind::generic:
      break;
  }
  return "generic";
}

DetectedStack detect_stack(const std::string& dir) {
  const fs::path root = fs::absolute(dir).lexically_normal();
  DetectedStack stack;
  stack.app = app_name_from(root.filename().string());
  if (fs::exists(root / "package.json")) {
    detect_node(root, stack);
  }
  if (stack.kind == StackKind::generic) {
    detect_python(root, stack);
  }
  if (stack.alembic) {
    stack.evidence.push_back("alembic.ini: alembic migrations");
  }
  if (stack.knex) {
    stack.evidence.push_back("knexfile.js: knex migrations");
  }
  for (const char* name : {"docker-compose.yml", "docker-compose.yaml", "compose.yaml"}) {
    if (fs::exists(root / name)) {
      std::string problem;
      stack.compose = compose_services(root / name, problem);
      stack.evidence.push_back(std::string(name) + ": " +
                               (problem.empty() ? std::to_string(stack.compose.size()) +
                                                      " service(s) listed as a starting point"
                                                : "could not be read (" + problem + ")"));
      break;
    }
  }
  return stack;
}

}  // namespace bosun::controller::project
