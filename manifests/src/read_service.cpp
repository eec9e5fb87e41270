// One entry of `services:`: command, environment, dependencies, probes, restart and stop.

#include <algorithm>
#include <array>

#include "bosun/common/text.hpp"
#include "readers.hpp"

namespace bosun::manifest::detail {
namespace {

constexpr std::array<std::string_view, 9> k_signals{"TERM", "INT",  "QUIT",  "HUP", "KILL",
                                                    "USR1", "USR2", "WINCH", "STOP"};

std::optional<Backoff> read_backoff(ReadContext& context, const Field& field) {
  MapReader map(context, field, {"initial", "max", "reset_after"});
  if (!map.valid()) {
    return std::nullopt;
  }
  Backoff backoff;
  bool ok = true;
  const auto duration_field = [&](const char* key, Duration& target) {
    if (const Field* f = map.get(key)) {
      const auto value = read_duration(context, *f);
      if (!value) {
        ok = false;
      } else if (value->count() == 0) {
        context.diagnostics.error(f->value_where, f->path, "must be longer than 0s");
        ok = false;
      } else {
        target = *value;
      }
    }
  };
  duration_field("initial", backoff.initial);
  duration_field("max", backoff.max);
  duration_field("reset_after", backoff.reset_after);
  if (ok && backoff.max < backoff.initial) {
    const Field* f = map.get("max") != nullptr ? map.get("max") : map.get("initial");
    context.diagnostics.error(f->value_where, child_path(field.path, "max"),
                              format_duration(backoff.max) + " is shorter than initial (" +
                                  format_duration(backoff.initial) + ")");
    ok = false;
  }
  return ok ? std::optional(backoff) : std::nullopt;
}

std::optional<CrashLoopPolicy> read_crash_loop(ReadContext& context, const Field& field) {
  MapReader map(context, field, {"restarts", "window", "cooldown", "give_up"});
  if (!map.valid()) {
    return std::nullopt;
  }
  CrashLoopPolicy policy;
  bool ok = true;
  if (const Field* f = map.get("restarts")) {
    ok &= assign(policy.restarts, read_int(context, *f, 1, 10'000));
  }
  for (const auto& [key, target] :
       {std::pair{"window", &policy.window}, std::pair{"cooldown", &policy.cooldown}}) {
    if (const Field* f = map.get(key)) {
      ok &= assign(*target, read_duration(context, *f));
    }
  }
  if (const Field* f = map.get("give_up")) {
    ok &= assign(policy.give_up, read_bool(context, *f));
  }
  return ok ? std::optional(policy) : std::nullopt;
}

std::optional<RestartSpec> read_restart(ReadContext& context, const Field& field) {
  MapReader map(context, field, {"policy", "backoff", "crash_loop", "on_crash_loop"});
  if (!map.valid()) {
    return std::nullopt;
  }
  RestartSpec restart;
  bool ok = true;
  if (const Field* f = map.get("policy")) {
    auto policy = read_choice(context, *f, {"always", "on-failure", "never"});
    ok = policy.has_value();
    if (policy == "on-failure") {
      restart.policy = RestartPolicy::on_failure;
    } else if (policy == "never") {
      restart.policy = RestartPolicy::never;
    }
  }
  if (const Field* f = map.get("backoff")) {
    ok &= assign(restart.backoff, read_backoff(context, *f));
  }
  if (const Field* f = map.get("crash_loop")) {
    ok &= assign(restart.crash_loop, read_crash_loop(context, *f));
  }
  if (const Field* f = map.get("on_crash_loop")) {
    auto hook = read_command(context, *f);
    ok = ok && hook.has_value();
    restart.crash_loop.on_crash_loop = hook;
  }
  return ok ? std::optional(restart) : std::nullopt;
}

std::optional<StopSpec> read_stop(ReadContext& context, const Field& field) {
  MapReader map(context, field, {"signal", "timeout"});
  if (!map.valid()) {
    return std::nullopt;
  }
  StopSpec stop;
  bool ok = true;
  if (const Field* f = map.get("signal")) {
    auto text = read_string(context, *f);
    std::string name = text.value_or("");
    if (name.starts_with("SIG")) {
      name = name.substr(3);
    }
    const bool known = std::find(k_signals.begin(), k_signals.end(), name) != k_signals.end();
    if (text && !known) {
      context.diagnostics.error(f->value_where, f->path,
                                "unknown signal " + quote_for_message(*text) +
                                    "; use TERM, INT, QUIT, HUP, KILL, USR1, USR2 or WINCH");
    }
    ok = text.has_value() && known;
    stop.signal = known ? name : stop.signal;
  }
  if (const Field* f = map.get("timeout")) {
    ok &= assign(stop.timeout, read_duration(context, *f));
  }
  return ok ? std::optional(stop) : std::nullopt;
}

std::optional<LogSpec> read_logs(ReadContext& context, const Field& field) {
  MapReader map(context, field, {"max_size", "keep"});
  if (!map.valid()) {
    return std::nullopt;
  }
  LogSpec logs;
  bool ok = true;
  if (const Field* f = map.get("max_size")) {
    auto size = read_byte_size(context, *f);
    if (size && *size < 4096) {
      context.diagnostics.error(f->value_where, f->path, "must be at least 4KiB");
      size.reset();
    }
    ok = size.has_value();
    logs.max_size = size.value_or(logs.max_size);
  }
  if (const Field* f = map.get("keep")) {
    ok &= assign(logs.keep, read_int(context, *f, 1, 100));
  }
  return ok ? std::optional(logs) : std::nullopt;
}

// During an overlap both instances answer on the port: only a check that names the new
// instance (its ${pid} in the answer) or reads its own output tells them apart.
bool tells_instances_apart(const ProbeSpec& ready) {
  if (std::holds_alternative<LogCheck>(ready.check.kind)) {
    return true;
  }
  const auto* http = std::get_if<HttpCheck>(&ready.check.kind);
  return http != nullptr && (http->body_contains.find("${pid}") != std::string::npos ||
                             http->url.find("${pid}") != std::string::npos);
}

}  // namespace

namespace {

// A hand-over shares the agent's socket: the old instance answers on it, and before any
// instance accepts, the socket completes connections by itself. Only the new instance's own
// output, its pid in an answer, or a command of the user's says that it is ready.
void check_handoff(ReadContext& context, const Field& field, bool has_ready,
                   const Service& service) {
  if (!service.listen) {
    context.diagnostics.error(field.value_where, field.path,
                              "deploy: handoff needs listen: (the address and port of the "
                              "socket the agent binds and hands to each instance)");
  } else if (!has_ready) {
    context.diagnostics.error(field.value_where, field.path,
                              "deploy: handoff needs a ready probe, to know when the new "
                              "instance can take over from the old one");
  } else if (service.ready && !tells_instances_apart(*service.ready) &&
             !std::holds_alternative<ExecCheck>(service.ready->check.kind)) {
    context.diagnostics.error(
        service.ready->check.where,
        child_path(field.path.substr(0, field.path.rfind('.')), "ready"),
        "with deploy: handoff the old instance answers on the shared socket: check the new "
        "instance's own output (log: \"Uvicorn running on\"), its pid in an answer "
        "(body_contains: '\"pid\":${pid}'), or run a command (exec)");
  }
}

// A tcp probe of the agent's own socket passes before any instance runs.
void check_probe_of_own_socket(ReadContext& context, const std::string& path,
                               const Service& service) {
  for (const std::optional<ProbeSpec>* probe : {&service.ready, &service.liveness}) {
    const auto* tcp = *probe ? std::get_if<TcpCheck>(&(*probe)->check.kind) : nullptr;
    if (tcp != nullptr && service.listen && tcp->port == service.listen->port) {
      context.diagnostics.error((*probe)->check.where, path,
                                "a tcp check of port " + std::to_string(tcp->port) +
                                    " always passes: the agent's own socket (listen:) accepts "
                                    "connections while no instance runs");
    }
  }
}

// deploy: restart | overlap | handoff. An overlap start needs a ready probe, and one that only
// the new instance can pass.
void read_deploy_mode(ReadContext& context, const Field& field, bool has_ready, bool has_proxy,
                      Service& service) {
  const Field* f = &field;
  auto mode = read_choice(context, *f, {"restart", "overlap", "handoff", "proxy"});
  service.deploy = mode == "overlap"   ? DeployMode::overlap
                   : mode == "handoff" ? DeployMode::handoff
                   : mode == "proxy"   ? DeployMode::proxy
                                       : DeployMode::restart;
  if (mode == "proxy" && !has_proxy) {
    context.diagnostics.error(f->value_where, f->path,
                              "deploy: proxy needs proxy: (at least ports: 3100-3199, the range "
                              "each instance's ${port} is taken from)");
  } else if (mode == "proxy" && !has_ready) {
    context.diagnostics.error(f->value_where, f->path,
                              "deploy: proxy needs a ready probe of the new instance on its own "
                              "port, e.g. http: http://127.0.0.1:${port}/health");
  }
  if (mode == "handoff") {
    check_handoff(context, field, has_ready, service);
  } else if (mode == "overlap" && !has_ready) {
    context.diagnostics.error(f->value_where, f->path,
                              "deploy: overlap needs a ready probe, to know when the new "
                              "instance can take over from the old one");
  } else if (mode == "overlap" && service.ready && !tells_instances_apart(*service.ready)) {
    context.diagnostics.warning(
        f->value_where, f->path,
        "deploy: overlap with a ready probe that the old instance can answer too: make the "
        "app report its pid and check it (body_contains: '\"pid\":${pid}'), or use a log "
        "check; the app must also set SO_REUSEPORT, or the new instance fails with "
        "EADDRINUSE (use deploy: restart then)");
  }
}

}  // namespace

std::optional<Service> read_service(ReadContext& context, const Field& field) {
  Service service;
  service.name = field.key;
  service.where = field.key_where;
  // Keep reading a service with a bad field: the rest of it still takes part in the
  // cross-checks (depends_on, cycles), so a single run reports everything.
  (void)read_name(context, key_field(field), "service name");
  MapReader map(context, field,
                {"command", "env", "depends_on", "ready", "liveness", "restart", "stop", "deploy",
                 "cwd", "user", "limits", "logs", "listen", "proxy", "public", "container"});
  if (!map.valid()) {
    return std::nullopt;
  }
  if (const Field* f = map.get("listen")) {
    service.listen = read_listen(context, *f);
  }
  if (const Field* f = map.get("proxy")) {
    service.proxy = read_proxy(context, *f);
  }
  context.allow_listen_fd_variable = service.listen.has_value();
  context.allow_port_variable = map.get("proxy") != nullptr;
  if (const Field* f = map.get("container")) {
    service.container = read_container(context, *f);
  }
  // A container's command is optional: without one, the image's own CMD runs.
  if (const Field* f =
          map.get("container") != nullptr ? map.get("command") : map.require("command")) {
    auto command = read_command(context, *f);
    if (command) {
      service.command = std::move(*command);
    }
  }
  if (const Field* f = map.get("env")) {
    auto env = read_env(context, *f);
    service.env = env.value_or(std::vector<EnvVar>{});
  }
  if (const Field* f = map.get("depends_on")) {
    auto names = read_string_list(context, *f);
    for (const auto& [name, where] : names.value_or(decltype(names)::value_type{})) {
      service.depends_on.push_back(name);
      service.depends_on_where.push_back(where);
    }
  }
  context.allow_pid_variable = true;
  if (const Field* f = map.get("ready")) {
    service.ready = read_probe(context, *f, ProbeRole::readiness);
  }
  if (const Field* f = map.get("liveness")) {
    service.liveness = read_probe(context, *f, ProbeRole::liveness);
  }
  context.allow_pid_variable = false;
  if (const Field* f = map.get("restart")) {
    auto restart = read_restart(context, *f);
    service.restart = restart.value_or(service.restart);
  }
  if (const Field* f = map.get("stop")) {
    auto stop = read_stop(context, *f);
    service.stop = stop.value_or(service.stop);
  }
  if (const Field* f = map.get("deploy")) {
    read_deploy_mode(context, *f, map.get("ready") != nullptr, map.get("proxy") != nullptr,
                     service);
  }
  if (const Field* f = map.get("cwd")) {
    auto cwd = read_string(context, *f);
    service.cwd = cwd.value_or("");
  }
  if (const Field* f = map.get("user")) {
    auto user = read_string(context, *f);
    service.user = user.value_or("");
  }
  if (const Field* f = map.get("limits")) {
    MapReader limits(context, *f, {"nofile"});
    if (const Field* nofile = limits.get("nofile")) {
      auto value = read_int(context, *nofile, 64, 1'048'576);
      if (value) {
        service.nofile = static_cast<std::uint64_t>(*value);
      }
    }
  }
  if (const Field* f = map.get("logs")) {
    auto logs = read_logs(context, *f);
    service.logs = logs.value_or(service.logs);
  }
  if (const Field* f = map.get("public")) {
    service.public_ = read_bool(context, *f).value_or(false);
  }
  context.allow_listen_fd_variable = false;
  context.allow_port_variable = false;
  check_probe_of_own_socket(context, field.path, service);
  if (const Field* f = map.get("proxy"); f != nullptr && service.deploy != DeployMode::proxy) {
    context.diagnostics.error(f->key_where, f->path,
                              "proxy: is for deploy: proxy (add it to this service)");
  }
  if (const Field* f = map.get("listen"); f != nullptr && map.get("proxy") != nullptr) {
    context.diagnostics.error(f->key_where, f->path,
                              "listen: and proxy: exclude each other: the agent's socket, or a "
                              "port per instance behind nginx");
  }
  return service;
}

}  // namespace bosun::manifest::detail
