#include "bosun/manifest/summary.hpp"

#include <cstdio>

#include <sstream>

#include <Poco/JSON/Array.h>
#include <Poco/JSON/Object.h>

#include "bosun/common/byte_size.hpp"
#include "bosun/common/text.hpp"

namespace bosun::manifest {
namespace {

using Poco::JSON::Array;
using Poco::JSON::Object;

std::string restart_policy_name(RestartPolicy policy) {
  switch (policy) {
    case RestartPolicy::always:
      return "always";
    case RestartPolicy::on_failure:
      return "on-failure";
    case RestartPolicy::never:
      return "never";
  }
  return "always";
}

std::string database_kind_name(DatabaseKind kind) {
  switch (kind) {
    case DatabaseKind::sqlite:
      return "sqlite";
    case DatabaseKind::postgres:
      return "postgres";
    case DatabaseKind::mysql:
      return "mysql";
    case DatabaseKind::none:
      break;
  }
  return "none";
}

// How a command reads in a summary: words separated by spaces, quoted when needed.
std::string command_text(const Command& command) {
  if (command.uses_shell()) {
    return "sh: " + command.shell;
  }
  std::vector<std::string> words;
  for (const std::string& word : command.argv) {
    const bool plain = !word.empty() && word.find_first_of(" \t\"'\\$") == std::string::npos;
    words.push_back(plain ? word : quote_for_message(word));
  }
  return join(words, " ");
}

std::string check_text(const CheckSpec& check) {
  struct Describer {
    std::string operator()(const HttpCheck& c) const {
      return "http " + c.url + " -> " + std::to_string(c.status) +
             (c.body_contains.empty() ? "" : " containing " + quote_for_message(c.body_contains));
    }
    std::string operator()(const TcpCheck& c) const {
      return "tcp " + c.host + ":" + std::to_string(c.port);
    }
    std::string operator()(const RedisCheck& c) const {
      return "redis " + c.host + ":" + std::to_string(c.port);
    }
    std::string operator()(const LogCheck& c) const {
      return "log line " + quote_for_message(c.pattern);
    }
    std::string operator()(const ExecCheck& c) const {
      return "exec " + command_text(c.command) + " -> exit " + std::to_string(c.exit_code);
    }
    std::string operator()(const SqliteCheck& c) const {
      return "sqlite " + c.path + " " + quote_for_message(c.query);
    }
    std::string operator()(const PostgresCheck& c) const { return "postgres " + sql_server(c); }
    std::string operator()(const MysqlCheck& c) const { return "mysql " + sql_server(c); }
    static std::string sql_server(const SqlServerCheck& c) {
      return (c.url.empty() ? "$" + c.url_env : c.url) + " " + quote_for_message(c.query);
    }
  };
  return std::visit(Describer{}, check.kind);
}

Array::Ptr string_array(const std::vector<std::string>& items) {
  Array::Ptr array = new Array;
  for (const std::string& item : items) {
    array->add(item);
  }
  return array;
}

Object::Ptr new_object() {
  return new Object(Poco::JSON_PRESERVE_KEY_ORDER);
}

Poco::Dynamic::Var command_json(const std::optional<Command>& command) {
  if (!command) {
    return Poco::Dynamic::Var();
  }
  if (command->uses_shell()) {
    Object::Ptr object = new_object();
    object->set("sh", command->shell);
    return object;
  }
  return string_array(command->argv);
}

Object::Ptr env_json(const std::vector<EnvVar>& env) {
  Object::Ptr object = new_object();
  for (const EnvVar& var : env) {
    object->set(var.name, var.value);
  }
  return object;
}

Object::Ptr check_json(const CheckSpec& check) {
  struct Builder {
    Object::Ptr operator()(const HttpCheck& c) const {
      Object::Ptr o = new_object();
      o->set("url", c.url);
      o->set("status", c.status);
      if (!c.body_contains.empty()) {
        o->set("body_contains", c.body_contains);
      }
      if (c.max_latency) {
        o->set("max_latency_ms", c.max_latency->count());
      }
      if (!c.content_type.empty()) {
        o->set("content_type", c.content_type);
      }
      if (!c.json.empty()) {
        Object::Ptr fields = new_object();
        for (const JsonFieldExpectation& field : c.json) {
          fields->set(field.path, field.value);
        }
        o->set("json", fields);
      }
      return o;
    }
    Object::Ptr operator()(const TcpCheck& c) const {
      Object::Ptr o = new_object();
      o->set("host", c.host);
      o->set("port", c.port);
      return o;
    }
    Object::Ptr operator()(const RedisCheck& c) const {
      Object::Ptr o = new_object();
      o->set("host", c.host);
      o->set("port", c.port);
      if (!c.password_env.empty()) {
        o->set("password_env", c.password_env);
      }
      return o;
    }
    Object::Ptr operator()(const LogCheck& c) const {
      Object::Ptr o = new_object();
      o->set("pattern", c.pattern);
      return o;
    }
    Object::Ptr operator()(const ExecCheck& c) const {
      Object::Ptr o = new_object();
      o->set("command", command_json(c.command));
      o->set("exit_code", c.exit_code);
      if (!c.output_contains.empty()) {
        o->set("output_contains", c.output_contains);
      }
      return o;
    }
    Object::Ptr operator()(const SqliteCheck& c) const {
      Object::Ptr o = new_object();
      o->set("path", c.path);
      o->set("query", c.query);
      return o;
    }
    Object::Ptr operator()(const SqlServerCheck& c) const {
      Object::Ptr o = new_object();
      if (c.url.empty()) {
        o->set("url_env", c.url_env);
      } else {
        o->set("url", c.url);
      }
      if (!c.password_env.empty()) {
        o->set("password_env", c.password_env);
      }
      o->set("query", c.query);
      return o;
    }
  };
  Object::Ptr object = new_object();
  object->set(check_kind_name(check.kind), std::visit(Builder{}, check.kind));
  object->set("line", check.where.line);
  return object;
}

Object::Ptr probe_json(const ProbeSpec& probe) {
  Object::Ptr object = check_json(probe.check);
  object->set("timeout_ms", probe.timeout.count());
  object->set("interval_ms", probe.interval.count());
  object->set("failures", probe.failures);
  object->set("start_period_ms", probe.start_period.count());
  return object;
}

Object::Ptr ssh_json(const SshSettings& ssh) {
  Object::Ptr object = new_object();
  object->set("user", ssh.user);
  if (ssh.port) {
    object->set("port", *ssh.port);
  }
  object->set("identity", ssh.identity);
  object->set("known_hosts", ssh.known_hosts);
  object->set("proxy_jump", ssh.proxy_jump);
  object->set("config", ssh.config);
  if (ssh.connect_timeout) {
    object->set("connect_timeout_ms", ssh.connect_timeout->count());
  }
  if (ssh.keepalive) {
    object->set("keepalive_ms", ssh.keepalive->count());
  }
  return object;
}

Object::Ptr service_json(const Service& service) {
  Object::Ptr object = new_object();
  object->set("name", service.name);
  object->set("line", service.where.line);
  object->set("command", command_json(service.command));
  object->set("env", env_json(service.env));
  object->set("depends_on", string_array(service.depends_on));
  object->set("ready", service.ready ? Poco::Dynamic::Var(probe_json(*service.ready))
                                     : Poco::Dynamic::Var());
  object->set("liveness", service.liveness ? Poco::Dynamic::Var(probe_json(*service.liveness))
                                           : Poco::Dynamic::Var());
  Object::Ptr restart = new_object();
  restart->set("policy", restart_policy_name(service.restart.policy));
  Object::Ptr backoff = new_object();
  backoff->set("initial_ms", service.restart.backoff.initial.count());
  backoff->set("max_ms", service.restart.backoff.max.count());
  backoff->set("reset_after_ms", service.restart.backoff.reset_after.count());
  restart->set("backoff", backoff);
  Object::Ptr crash_loop = new_object();
  crash_loop->set("restarts", service.restart.crash_loop.restarts);
  crash_loop->set("window_ms", service.restart.crash_loop.window.count());
  crash_loop->set("cooldown_ms", service.restart.crash_loop.cooldown.count());
  crash_loop->set("give_up", service.restart.crash_loop.give_up);
  restart->set("crash_loop", crash_loop);
  restart->set("on_crash_loop", command_json(service.restart.crash_loop.on_crash_loop));
  object->set("restart", restart);
  Object::Ptr stop = new_object();
  stop->set("signal", service.stop.signal);
  stop->set("timeout_ms", service.stop.timeout.count());
  object->set("stop", stop);
  object->set("deploy", deploy_mode_name(service.deploy));
  if (service.listen) {
    Object::Ptr listen = new_object();
    listen->set("address", service.listen->host);
    listen->set("port", service.listen->port);
    listen->set("backlog", service.listen->backlog);
    listen->set("name", service.listen->name.empty() ? service.name : service.listen->name);
    listen->set("drain_timeout_ms", service.listen->drain_timeout.count());
    object->set("listen", listen);
  }
  if (service.proxy) {
    Object::Ptr proxy = new_object();
    proxy->set("ports", std::to_string(service.proxy->first_port) + "-" +
                            std::to_string(service.proxy->last_port));
    proxy->set("upstream", service.proxy->upstream);
    proxy->set("name", service.proxy->name);
    proxy->set("test", command_json(service.proxy->test));
    proxy->set("reload", command_json(service.proxy->reload));
    proxy->set("drain_timeout_ms", service.proxy->drain_timeout.count());
    object->set("proxy", proxy);
  }
  object->set("cwd", service.cwd);
  object->set("user", service.user);
  object->set("nofile",
              service.nofile ? Poco::Dynamic::Var(*service.nofile) : Poco::Dynamic::Var());
  Object::Ptr logs = new_object();
  logs->set("max_size_bytes", service.logs.max_size);
  logs->set("keep", service.logs.keep);
  object->set("logs", logs);
  return object;
}

Array::Ptr stages_json(const Manifest& m) {
  Array::Ptr stages = new Array;
  for (const Stage& stage : m.stages) {
    Object::Ptr s = new_object();
    s->set("name", stage.name);
    s->set("hosts", string_array(stage.hosts));
    s->set("root", stage.root);
    s->set("ssh", stage.ssh ? Poco::Dynamic::Var(ssh_json(*stage.ssh)) : Poco::Dynamic::Var());
    stages->add(s);
  }
  return stages;
}

Object::Ptr build_json(const Manifest& m) {
  Object::Ptr build = new_object();
  Array::Ptr build_commands = new Array;
  for (const Command& command : m.build.commands) {
    build_commands->add(command_json(command));
  }
  if (m.build.python) {
    Object::Ptr python = new_object();
    python->set("requirements", m.build.python->requirements);
    python->set("venv", m.build.python->venv);
    python->set("system_site_packages", m.build.python->system_site_packages);
    build->set("python", python);
  }
  if (m.build.node) {
    Object::Ptr node = new_object();
    node->set("install", m.build.node->install);
    build->set("node", node);
  }
  build->set("commands", build_commands);
  build->set("timeout_ms", m.build.timeout.count());
  return build;
}

Object::Ptr database_json(const Manifest& m) {
  Object::Ptr database = new_object();
  database->set("kind", database_kind_name(m.database.kind));
  database->set("path", m.database.path);
  Object::Ptr migrate = new_object();
  migrate->set("up", command_json(m.database.migrate_up));
  migrate->set("down", command_json(m.database.migrate_down));
  migrate->set("version", command_json(m.database.migrate_version));
  database->set("migrate", migrate);
  database->set("backup", command_json(m.database.backup));
  database->set("restore", command_json(m.database.restore));
  database->set("rollback", m.database.rollback == RollbackMode::restore ? "restore" : "down");
  return database;
}

Object::Ptr verify_json(const Manifest& m) {
  Object::Ptr verify = new_object();
  verify->set("window_ms", m.verify.window.count());
  verify->set("timeout_ms", m.verify.timeout.count());
  Array::Ptr checks = new Array;
  for (const CheckSpec& check : m.verify.checks) {
    checks->add(check_json(check));
  }
  verify->set("checks", checks);
  return verify;
}

Object::Ptr requires_json(const Manifest& m) {
  Object::Ptr requires_object = new_object();
  Object::Ptr tools = new_object();
  for (const ToolRequirement& tool : m.requires_.tools) {
    tools->set(tool.name, tool.constraint.text());
  }
  requires_object->set("tools", tools);
  requires_object->set("env", string_array(m.requires_.env));
  Array::Ptr ports = new Array;
  for (std::uint16_t port : m.requires_.ports_free) {
    ports->add(port);
  }
  requires_object->set("ports_free", ports);
  requires_object->set("disk_free_bytes", m.requires_.disk_free
                                              ? Poco::Dynamic::Var(*m.requires_.disk_free)
                                              : Poco::Dynamic::Var());
  requires_object->set("memory_bytes", m.requires_.memory ? Poco::Dynamic::Var(*m.requires_.memory)
                                                          : Poco::Dynamic::Var());
  Array::Ptr files = new Array;
  for (const FileRequirement& file : m.requires_.files) {
    Object::Ptr entry = new_object();
    entry->set("path", file.path);
    if (file.mode) {
      char octal[8];
      std::snprintf(octal, sizeof octal, "%04o", static_cast<unsigned>(*file.mode));
      entry->set("mode", std::string(octal));
    }
    if (!file.owner.empty()) {
      entry->set("owner", file.owner);
    }
    files->add(entry);
  }
  requires_object->set("files", files);
  if (m.requires_.os) {
    Object::Ptr os = new_object();
    os->set("id", string_array(m.requires_.os->ids));
    os->set("version", m.requires_.os->version ? m.requires_.os->version->text() : "");
    requires_object->set("os", os);
  }
  return requires_object;
}

Object::Ptr manifest_json(const Manifest& m) {
  Object::Ptr object = new_object();
  object->set("app", m.app);
  object->set("repo", m.repo);
  object->set("root", m.root);
  object->set("user", m.user);
  object->set("steps_user", m.steps_user());
  object->set("keep_releases", m.keep_releases);
  object->set("shared", string_array(m.shared));
  object->set("stages", stages_json(m));
  object->set("ssh", ssh_json(m.ssh));
  object->set("secrets", string_array(m.secrets));
  object->set("env", env_json(m.env));
  object->set("build", build_json(m));
  object->set("database", database_json(m));
  Array::Ptr services = new Array;
  for (const Service* service : m.start_order()) {
    services->add(service_json(*service));
  }
  object->set("services", services);
  object->set("verify", verify_json(m));
  object->set("requires", requires_json(m));
  return object;
}

Array::Ptr diagnostics_json(const std::vector<Diagnostic>& diagnostics, Severity severity) {
  Array::Ptr array = new Array;
  for (const Diagnostic& d : diagnostics) {
    if (d.severity != severity) {
      continue;
    }
    Object::Ptr object = new_object();
    object->set("file", d.file);
    object->set("line", d.where.line);
    object->set("column", d.where.column);
    object->set("path", d.path);
    object->set("message", d.message);
    array->add(object);
  }
  return array;
}

std::string stringify(const Object::Ptr& object) {
  std::ostringstream out;
  object->stringify(out, 2);
  out << "\n";
  return out.str();
}

void append_row(std::ostringstream& out, const std::string& label, const std::string& value) {
  out << "  " << label << std::string(label.size() < 14 ? 14 - label.size() : 1, ' ') << value
      << "\n";
}

std::string build_summary(const Build& build) {
  std::string text;
  if (build.python) {
    text += "python venv " + build.python->venv + " from " + build.python->requirements + ", ";
  }
  if (build.node) {
    text += "npm " + build.node->install +
            " (node_modules reused while package-lock.json is "
            "unchanged), ";
  }
  return text + std::to_string(build.commands.size()) + " command(s), timeout " +
         format_duration(build.timeout);
}

}  // namespace

std::string summarize(const Manifest& m) {
  std::ostringstream out;
  out << m.file << ": valid\n";
  append_row(out, "app", m.app);
  append_row(out, "repo", m.repo);
  append_row(out, "root", m.root + " (keep " + std::to_string(m.keep_releases) + " releases)");
  if (!m.steps_user().empty()) {
    append_row(out, "user",
               m.steps_user() + (m.user.empty() ? " (the services' user)" : "") +
                   " runs build, migrate, backups and hooks");
  }
  if (!m.shared.empty()) {
    append_row(out, "shared", join(m.shared, ", ") + " (linked into every release)");
  }
  for (const Stage& stage : m.stages) {
    append_row(out, "stage", stage.name + ": " + join(stage.hosts, ", "));
  }
  if (!m.secrets.empty()) {
    append_row(out, "secrets", join(m.secrets, ", ") + " (names only)");
  }
  append_row(out, "build", build_summary(m.build));
  if (m.database.kind != DatabaseKind::none) {
    std::string text = database_kind_name(m.database.kind);
    text += m.database.path.empty() ? "" : " " + m.database.path;
    text += m.database.migrate_up ? ", migrate up" : ", no migrations";
    text += m.database.migrate_down ? "/down" : "";
    text += m.database.rollback == RollbackMode::restore ? ", rollback restores the backup"
                                                         : ", rollback migrates down";
    append_row(out, "database", text);
  }
  out << "  services, in start order:\n";
  for (const Service* service : m.start_order()) {
    out << "    " << service->name << ": " << command_text(service->command) << "\n";
    if (!service->depends_on.empty()) {
      out << "      after " << join(service->depends_on, ", ") << "\n";
    }
    if (service->ready) {
      out << "      ready: " << check_text(service->ready->check) << " within "
          << format_duration(service->ready->timeout) << "\n";
    }
    if (service->liveness) {
      out << "      liveness: " << check_text(service->liveness->check) << " every "
          << format_duration(service->liveness->interval) << ", restart after "
          << service->liveness->failures << " failures\n";
    }
    out << "      restart: " << restart_policy_name(service->restart.policy) << ", backoff "
        << format_duration(service->restart.backoff.initial) << " to "
        << format_duration(service->restart.backoff.max) << "; crash loop after "
        << service->restart.crash_loop.restarts << " restarts in "
        << format_duration(service->restart.crash_loop.window) << "\n";
    out << "      stop: SIG" << service->stop.signal << ", then SIGKILL after "
        << format_duration(service->stop.timeout)
        << (service->deploy == DeployMode::overlap ? "; deploys overlap old and new"
            : service->deploy == DeployMode::handoff
                ? "; deploys hand the agent's socket from old to new"
                : "")
        << "\n";
    if (service->listen) {
      out << "      listen: " << service->listen->address()
          << " (the agent's socket, fd 3, backlog " << service->listen->backlog << ")\n";
    }
  }
  std::string verify_text = "stable for " + format_duration(m.verify.window);
  for (const CheckSpec& check : m.verify.checks) {
    verify_text += "; " + check_text(check);
  }
  append_row(out, "verify", verify_text);
  std::vector<std::string> requirements;
  for (const ToolRequirement& tool : m.requires_.tools) {
    requirements.push_back(tool.name + " " + tool.constraint.text());
  }
  for (const std::string& name : m.requires_.env) {
    requirements.push_back("env " + name);
  }
  for (std::uint16_t port : m.requires_.ports_free) {
    requirements.push_back("port " + std::to_string(port) + " free");
  }
  if (m.requires_.disk_free) {
    requirements.push_back(format_byte_size(*m.requires_.disk_free) + " disk free");
  }
  if (m.requires_.memory) {
    requirements.push_back(format_byte_size(*m.requires_.memory) + " memory");
  }
  if (!requirements.empty()) {
    append_row(out, "requires", join(requirements, ", "));
  }
  return out.str();
}

std::string to_json(const Manifest& manifest, const std::vector<Diagnostic>& diagnostics) {
  Object::Ptr object = new_object();
  object->set("ok", true);
  object->set("file", manifest.file);
  object->set("manifest", manifest_json(manifest));
  object->set("warnings", diagnostics_json(diagnostics, Severity::warning));
  return stringify(object);
}

std::string diagnostics_to_json(const std::vector<Diagnostic>& diagnostics) {
  Object::Ptr object = new_object();
  object->set("ok", false);
  object->set("errors", diagnostics_json(diagnostics, Severity::error));
  object->set("warnings", diagnostics_json(diagnostics, Severity::warning));
  return stringify(object);
}

}  // namespace bosun::manifest
