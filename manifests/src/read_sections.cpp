// The fleet (stages, ssh), build, database, verify and requires sections.

#include <algorithm>

#include "bosun/common/names.hpp"
#include "bosun/common/text.hpp"
#include "readers.hpp"

namespace bosun::manifest::detail {
namespace {

bool is_plausible_host(std::string_view host) {
  if (host.empty() || host.size() > 253) {
    return false;
  }
  return std::all_of(host.begin(), host.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
           c == '-' || c == '_' || c == ':' || c == '@' || c == '[' || c == ']' || c == '$' ||
           c == '{' || c == '}';
  });
}

}  // namespace

std::optional<SshSettings> read_ssh(ReadContext& context, const Field& field) {
  MapReader map(context, field,
                {"user", "port", "identity", "known_hosts", "proxy_jump", "config",
                 "connect_timeout", "keepalive"});
  if (!map.valid()) {
    return std::nullopt;
  }
  SshSettings ssh;
  for (const auto& [key, target] :
       {std::pair{"user", &ssh.user}, std::pair{"identity", &ssh.identity},
        std::pair{"known_hosts", &ssh.known_hosts}, std::pair{"proxy_jump", &ssh.proxy_jump},
        std::pair{"config", &ssh.config}}) {
    if (const Field* f = map.get(key)) {
      *target = read_string(context, *f).value_or("");
    }
  }
  if (const Field* f = map.get("port")) {
    ssh.port = read_port(context, *f);
  }
  for (const auto& [key, target] : {std::pair{"connect_timeout", &ssh.connect_timeout},
                                    std::pair{"keepalive", &ssh.keepalive}}) {
    if (const Field* f = map.get(key)) {
      *target = read_duration(context, *f);
    }
  }
  return ssh;
}

std::vector<Stage> read_stages(ReadContext& context, const Field& field) {
  std::vector<Stage> stages;
  MapReader map(context, field);
  for (const Field& entry : map.fields()) {
    Stage stage;
    stage.name = entry.key;
    stage.where = entry.key_where;
    (void)read_name(context, key_field(entry), "stage name");
    MapReader stage_map(context, entry, {"hosts", "root", "ssh"});
    if (!stage_map.valid()) {
      continue;
    }
    if (const Field* f = stage_map.require("hosts")) {
      auto hosts = read_string_list(context, *f);
      if (hosts && hosts->empty()) {
        context.diagnostics.error(f->value_where, f->path, "a stage needs at least one host");
      }
      for (std::size_t i = 0; hosts && i < hosts->size(); ++i) {
        const auto& [host, where] = (*hosts)[i];
        if (!is_plausible_host(host)) {
          context.diagnostics.error(
              where, index_path(f->path, i),
              quote_for_message(host) + " is not a host name or address (user@host:port)");
          continue;
        }
        stage.hosts.push_back(host);
      }
    }
    if (const Field* f = stage_map.get("root")) {
      stage.root = read_string(context, *f).value_or("");
    }
    if (const Field* f = stage_map.get("ssh")) {
      stage.ssh = read_ssh(context, *f);
    }
    stages.push_back(std::move(stage));
  }
  return stages;
}

// A path inside the release: relative, without "..".
std::optional<std::string> read_release_path(ReadContext& context, const Field& field) {
  auto path = read_string(context, field);
  if (path && (path->empty() || path->front() == '/' || path->find("..") != std::string::npos)) {
    context.diagnostics.error(field.value_where, field.path,
                              "a path inside the release: relative, without \"..\"");
    return std::nullopt;
  }
  return path;
}

// `python:` alone (requirements.txt into .venv), or {requirements, venv, system_site_packages,
// interpreter}.
std::optional<PythonBuild> read_python_build(ReadContext& context, const Field& field) {
  PythonBuild python;
  if (field.value.IsNull()) {
    return python;
  }
  MapReader map(context, field, {"requirements", "venv", "system_site_packages", "interpreter"});
  if (!map.valid()) {
    return std::nullopt;
  }
  bool ok = true;
  if (const Field* f = map.get("requirements")) {
    ok &= assign(python.requirements, read_release_path(context, *f));
  }
  if (const Field* f = map.get("venv")) {
    ok &= assign(python.venv, read_release_path(context, *f));
  }
  if (const Field* f = map.get("system_site_packages")) {
    ok &= assign(python.system_site_packages, read_bool(context, *f));
  }
  if (const Field* f = map.get("interpreter")) {
    ok &= assign(python.interpreter, read_string(context, *f));
  }
  return ok ? std::optional(python) : std::nullopt;
}

// `node:` alone or `node: ci` / `node: install`, or {install}.
std::optional<NodeBuild> read_node_build(ReadContext& context, const Field& field) {
  NodeBuild node;
  if (field.value.IsNull()) {
    return node;
  }
  const Field* install = &field;
  if (field.value.IsMap()) {
    const MapReader map(context, field, {"install"});
    if (!map.valid()) {
      return std::nullopt;
    }
    install = map.get("install");
    if (install == nullptr) {
      return node;
    }
    const auto how = read_choice(context, *install, {"ci", "install"});
    return how ? std::optional(NodeBuild{*how}) : std::nullopt;
  }
  const auto how = read_choice(context, *install, {"ci", "install"});
  return how ? std::optional(NodeBuild{*how}) : std::nullopt;
}

std::optional<Build> read_build(ReadContext& context, const Field& field) {
  Build build;
  const auto read_commands = [&](const Field& list) {
    if (!list.value.IsSequence()) {
      context.diagnostics.error(list.value_where, list.path,
                                "expected a list of commands, got " + describe_node(list.value));
      return;
    }
    for (std::size_t i = 0; i < list.value.size(); ++i) {
      if (auto command = read_command(context, element_field(list, i, list.value[i]))) {
        build.commands.push_back(std::move(*command));
      }
    }
  };
  if (field.value.IsSequence()) {  // the short form: a list of commands
    read_commands(field);
    return build;
  }
  MapReader map(context, field, {"python", "node", "commands", "timeout"});
  if (!map.valid()) {
    return std::nullopt;
  }
  if (const Field* f = map.get("python")) {
    build.python = read_python_build(context, *f);
  }
  if (const Field* f = map.get("node")) {
    build.node = read_node_build(context, *f);
  }
  const bool installs = map.get("python") != nullptr || map.get("node") != nullptr;
  if (const Field* f = installs ? map.get("commands") : map.require("commands")) {
    read_commands(*f);
  }
  if (const Field* f = map.get("timeout")) {
    build.timeout = read_duration(context, *f).value_or(build.timeout);
  }
  return build;
}

namespace {

// migrate: {up, down, version, base}; down needs version (rollback goes down to the version
// recorded before the deploy).
void read_migrate(ReadContext& context, const Field& field, Database& database) {
  const Field* f = &field;
  MapReader migrate(context, *f, {"up", "down", "version", "base"});
  if (const Field* up = migrate.get("up")) {
    database.migrate_up = read_command(context, *up);
  }
  if (const Field* down = migrate.get("down")) {
    context.allow_version_variable = true;
    database.migrate_down = read_command(context, *down);
    context.allow_version_variable = false;
  }
  if (const Field* version = migrate.get("version")) {
    database.migrate_version = read_command(context, *version);
  }
  if (const Field* base = migrate.get("base")) {
    database.migrate_base = read_string(context, *base).value_or("0");
  }
  if (migrate.valid() && migrate.get("up") == nullptr) {
    context.diagnostics.error(migrate.where(), f->path, "missing required key \"up\"");
  }
  if (migrate.get("down") != nullptr && migrate.get("version") == nullptr) {
    context.diagnostics.error(migrate.where(), f->path,
                              "down needs version too: rollback migrates down to the version "
                              "recorded before the deploy");
  }
}

}  // namespace

std::optional<Database> read_database(ReadContext& context, const Field& field) {
  MapReader map(context, field,
                {"kind", "path", "url_env", "service", "migrate", "backup", "restore", "rollback",
                 "irreversible"});
  if (!map.valid()) {
    return std::nullopt;
  }
  Database database;
  if (const Field* f = map.require("kind")) {
    const auto kind = read_choice(context, *f, {"sqlite", "postgres", "mysql", "none"});
    database.kind = kind == "sqlite"     ? DatabaseKind::sqlite
                    : kind == "postgres" ? DatabaseKind::postgres
                    : kind == "mysql"    ? DatabaseKind::mysql
                                         : DatabaseKind::none;
  }
  if (const Field* f = map.get("path")) {
    database.path = read_string(context, *f).value_or("");
  } else if (database.kind == DatabaseKind::sqlite) {
    context.diagnostics.error(map.where(), field.path,
                              "kind: sqlite needs a path (e.g. ${shared}/data/app.db)");
  }
  const bool server =
      database.kind == DatabaseKind::postgres || database.kind == DatabaseKind::mysql;
  if (const Field* f = map.get("url_env")) {
    auto name = read_string(context, *f);
    if (name && !is_valid_env_name(*name)) {
      context.diagnostics.error(f->value_where, f->path,
                                "url_env names an environment variable, not a value");
    } else if (name && !server) {
      context.diagnostics.error(f->key_where, f->path, "url_env is for kind: postgres or mysql");
    } else if (name) {
      database.url_env = *name;
    }
  }
  if (const Field* f = map.get("service")) {
    database.service = detail::read_name(context, *f, "service name").value_or("");
    database.service_where = f->value_where;
    if (!server) {
      context.diagnostics.error(f->key_where, f->path,
                                "service is for kind: postgres or mysql (a database server)");
    }
  }
  if (const Field* f = map.get("migrate")) {
    read_migrate(context, *f, database);
  }
  if (const Field* f = map.get("backup")) {
    database.backup = read_command(context, *f);
  }
  if (const Field* f = map.get("restore")) {
    database.restore = read_command(context, *f);
  }
  if (const Field* f = map.get("rollback")) {
    const auto mode = read_choice(context, *f, {"down", "restore"});
    database.rollback = mode == "restore" ? RollbackMode::restore : RollbackMode::down;
    // sqlite, postgres and mysql have bosun's own backup and restore.
    const bool can_restore = database.kind != DatabaseKind::none ||
                             (map.get("backup") != nullptr && map.get("restore") != nullptr);
    if (mode == "restore" && !can_restore) {
      context.diagnostics.error(
          f->value_where, f->path,
          "rollback: restore needs a database kind (sqlite, postgres, mysql) or backup and "
          "restore commands");
    }
  }
  if (const Field* f = map.get("irreversible")) {
    if (!f->value.IsSequence()) {
      context.diagnostics.error(f->value_where, f->path,
                                "expected a list of schema versions, e.g. [4, 7] or "
                                "[a1f3c9e2b7d4]");
    } else {
      for (std::size_t i = 0; i < f->value.size(); ++i) {
        if (const auto version = read_string(context, element_field(*f, i, f->value[i]))) {
          database.irreversible.push_back(*version);
        }
      }
    }
  }
  if (map.get("backup") != nullptr && map.get("restore") == nullptr && server) {
    context.diagnostics.warning(map.get("backup")->key_where, field.path,
                                "a backup command without a restore command: restores use "
                                "bosun's own, which may not read what the command wrote");
  }
  return database;
}

std::optional<Verify> read_verify(ReadContext& context, const Field& field) {
  MapReader map(context, field, {"window", "timeout", "checks"});
  if (!map.valid()) {
    return std::nullopt;
  }
  Verify verify;
  if (const Field* f = map.get("window")) {
    verify.window = read_duration(context, *f).value_or(verify.window);
  }
  if (const Field* f = map.get("timeout")) {
    verify.timeout = read_duration(context, *f).value_or(verify.timeout);
  }
  if (const Field* f = map.get("checks")) {
    if (!f->value.IsSequence()) {
      context.diagnostics.error(f->value_where, f->path,
                                "expected a list of checks, got " + describe_node(f->value));
    }
    for (std::size_t i = 0; f->value.IsSequence() && i < f->value.size(); ++i) {
      const Field element = element_field(*f, i, f->value[i]);
      auto check = read_check(context, element);
      if (check && std::holds_alternative<LogCheck>(check->kind)) {
        context.diagnostics.error(check->where, element.path,
                                  "log checks belong to a service's ready probe, not to verify");
        continue;
      }
      if (check) {
        verify.checks.push_back(std::move(*check));
      }
    }
  }
  return verify;
}

namespace {

void read_required_tools(ReadContext& context, const Field& field, Requirements& requirements) {
  const Field* f = &field;
  MapReader tools(context, *f);
  for (const Field& tool : tools.fields()) {
    if (tool.key.empty() || tool.key.find_first_of(" /\t") != std::string::npos) {
      context.diagnostics.error(tool.key_where, tool.path,
                                "a tool is named by its command, e.g. redis-server");
      continue;
    }
    auto text = read_string(context, tool);
    if (!text) {
      continue;
    }
    auto constraint = VersionConstraint::parse(*text);
    if (!constraint) {
      context.diagnostics.error(tool.value_where, tool.path, constraint.error());
      continue;
    }
    requirements.tools.push_back({tool.key, std::move(*constraint), tool.key_where});
  }
}

void read_required_env(ReadContext& context, const Field& field, Requirements& requirements) {
  const Field* f = &field;
  auto names = read_string_list(context, *f);
  for (const auto& [name, where] : names.value_or(decltype(names)::value_type{})) {
    if (!is_valid_env_name(name)) {
      context.diagnostics.error(where, f->path,
                                "invalid environment variable name " + quote_for_message(name));
      continue;
    }
    requirements.env.push_back(name);
  }
}

void read_ports_free(ReadContext& context, const Field& field, Requirements& requirements) {
  const Field* f = &field;
  if (!f->value.IsSequence()) {
    context.diagnostics.error(f->value_where, f->path,
                              "expected a list of ports, got " + describe_node(f->value));
  }
  for (std::size_t i = 0; f->value.IsSequence() && i < f->value.size(); ++i) {
    const Field element = element_field(*f, i, f->value[i]);
    auto port = read_port(context, element);
    if (!port) {
      continue;
    }
    if (std::find(requirements.ports_free.begin(), requirements.ports_free.end(), *port) !=
        requirements.ports_free.end()) {
      context.diagnostics.error(element.value_where, element.path,
                                "duplicate port " + std::to_string(*port));
      continue;
    }
    requirements.ports_free.push_back(*port);
  }
}

// A path, or {path, mode: "0600", owner: deploy}.
void read_required_files(ReadContext& context, const Field& field, Requirements& requirements) {
  const Field* f = &field;
  if (!f->value.IsSequence()) {
    context.diagnostics.error(f->value_where, f->path, "expected a list of files");
  }
  for (std::size_t i = 0; f->value.IsSequence() && i < f->value.size(); ++i) {
    const Field entry = element_field(*f, i, f->value[i]);
    FileRequirement file;
    if (entry.value.IsScalar()) {
      file.path = read_string(context, entry).value_or("");
    } else {
      MapReader spec(context, entry, {"path", "mode", "owner"});
      if (const Field* path = spec.require("path")) {
        file.path = read_string(context, *path).value_or("");
      }
      if (const Field* mode = spec.get("mode")) {
        const std::string text = read_string(context, *mode).value_or("");
        if (text.empty() || text.size() > 4 ||
            text.find_first_not_of("01234567") != std::string::npos) {
          context.diagnostics.error(mode->value_where, mode->path,
                                    "mode is octal permission bits in quotes, e.g. \"0600\"");
        } else {
          file.mode = std::stoi(text, nullptr, 8);
        }
      }
      if (const Field* owner = spec.get("owner")) {
        file.owner = read_string(context, *owner).value_or("");
      }
    }
    if (!file.path.empty()) {
      requirements.files.push_back(std::move(file));
    }
  }
}

void read_required_os(ReadContext& context, const Field& field, Requirements& requirements) {
  const Field* f = &field;
  MapReader os_map(context, *f, {"id", "version"});
  OsRequirement os;
  if (const Field* id = os_map.get("id")) {
    if (id->value.IsSequence()) {
      auto ids = read_string_list(context, *id);
      for (const auto& [name, where] : ids.value_or(decltype(ids)::value_type{})) {
        os.ids.push_back(name);
      }
    } else if (auto name = read_string(context, *id)) {
      os.ids.push_back(*name);
    }
  }
  if (const Field* version = os_map.get("version")) {
    if (auto text = read_string(context, *version)) {
      auto constraint = VersionConstraint::parse(*text);
      if (constraint) {
        os.version = std::move(*constraint);
      } else {
        context.diagnostics.error(version->value_where, version->path, constraint.error());
      }
    }
  }
  if (os_map.valid()) {
    requirements.os = std::move(os);
  }
}

}  // namespace

std::optional<Requirements> read_requirements(ReadContext& context, const Field& field) {
  MapReader map(context, field,
                {"tools", "env", "ports_free", "disk_free", "memory", "files", "os"});
  if (!map.valid()) {
    return std::nullopt;
  }
  Requirements requirements;
  if (const Field* f = map.get("tools")) {
    read_required_tools(context, *f, requirements);
  }
  if (const Field* f = map.get("env")) {
    read_required_env(context, *f, requirements);
  }
  if (const Field* f = map.get("ports_free")) {
    read_ports_free(context, *f, requirements);
  }
  if (const Field* f = map.get("disk_free")) {
    requirements.disk_free = read_byte_size(context, *f);
  }
  if (const Field* f = map.get("memory")) {
    requirements.memory = read_byte_size(context, *f);
  }
  if (const Field* f = map.get("files")) {
    read_required_files(context, *f, requirements);
  }
  if (const Field* f = map.get("os")) {
    read_required_os(context, *f, requirements);
  }
  return requirements;
}

}  // namespace bosun::manifest::detail
