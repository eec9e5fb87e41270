// Check specifications and the probe policies wrapped around them.

#include <algorithm>

#include "bosun/common/database_url.hpp"
#include "bosun/common/names.hpp"
#include "bosun/common/text.hpp"
#include "readers.hpp"

namespace bosun::manifest::detail {
namespace {

std::optional<std::string> read_env_name(ReadContext& context, const Field& field,
                                         const std::string& what) {
  auto name = read_string(context, field);
  if (name && !is_valid_env_name(*name)) {
    context.diagnostics.error(field.value_where, field.path,
                              what + " names an environment variable, not a value");
    return std::nullopt;
  }
  return name;
}

std::optional<HttpCheck> read_http(ReadContext& context, const Field& field) {
  HttpCheck check;
  if (field.value.IsScalar()) {  // shorthand: `http: "http://127.0.0.1:8080/health"`
    auto url = read_url(context, field);
    if (!url) {
      return std::nullopt;
    }
    check.url = *url;
    return check;
  }
  MapReader map(context, field,
                {"url", "status", "body_contains", "max_latency", "content_type", "json"});
  const Field* url_field = map.require("url");
  if (!map.valid() || url_field == nullptr) {
    return std::nullopt;
  }
  bool ok = true;
  if (auto url = read_url(context, *url_field)) {
    check.url = *url;
  } else {
    ok = false;
  }
  if (const Field* f = map.get("status")) {
    ok &= assign(check.status, read_int(context, *f, 100, 599));
  }
  if (const Field* f = map.get("body_contains")) {
    ok &= assign(check.body_contains, read_string(context, *f));
  }
  if (const Field* f = map.get("max_latency")) {
    check.max_latency = read_duration(context, *f);
    ok = ok && check.max_latency.has_value();
  }
  if (const Field* f = map.get("content_type")) {
    ok &= assign(check.content_type, read_string(context, *f));
    if (check.content_type == "json") {
      check.content_type = "application/json";
    }
  }
  if (const Field* f = map.get("json")) {
    MapReader fields(context, *f);
    ok = ok && fields.valid();
    for (const Field& entry : fields.fields()) {
      if (!entry.value.IsScalar()) {
        context.diagnostics.error(entry.value_where, entry.path,
                                  "expected a value to compare with (text, number or boolean)");
        ok = false;
        continue;
      }
      check.json.push_back({entry.key, entry.value.as<std::string>()});
    }
    if (check.content_type.empty() && !check.json.empty()) {
      check.content_type = "application/json";
    }
  }
  return ok ? std::optional(check) : std::nullopt;
}

std::optional<std::string> read_host(ReadContext& context, const Field& field) {
  auto host = read_string(context, field);
  if (host && host->find_first_of(" /:@") != std::string::npos && host->front() != '[') {
    context.diagnostics.error(field.value_where, field.path,
                              quote_for_message(*host) + " is not a host name or address");
    return std::nullopt;
  }
  return host;
}

std::optional<TcpCheck> read_tcp(ReadContext& context, const Field& field) {
  TcpCheck check;
  if (field.value.IsScalar()) {  // shorthand: `tcp: 8080`
    auto port = read_port(context, field);
    if (!port) {
      return std::nullopt;
    }
    check.port = *port;
    return check;
  }
  MapReader map(context, field, {"host", "port"});
  const Field* port_field = map.require("port");
  if (!map.valid() || port_field == nullptr) {
    return std::nullopt;
  }
  bool ok = true;
  if (const Field* f = map.get("host")) {
    ok &= assign(check.host, read_host(context, *f));
  }
  auto port = read_port(context, *port_field);
  check.port = port.value_or(0);
  return ok && port ? std::optional(check) : std::nullopt;
}

std::optional<RedisCheck> read_redis(ReadContext& context, const Field& field) {
  RedisCheck check;
  if (field.value.IsNull()) {
    return check;  // `redis:` alone: 127.0.0.1:6379
  }
  MapReader map(context, field, {"host", "port", "password_env"});
  if (!map.valid()) {
    return std::nullopt;
  }
  bool ok = true;
  if (const Field* f = map.get("host")) {
    ok &= assign(check.host, read_host(context, *f));
  }
  if (const Field* f = map.get("port")) {
    ok &= assign(check.port, read_port(context, *f));
  }
  if (const Field* f = map.get("password_env")) {
    ok &= assign(check.password_env, read_env_name(context, *f, "password_env"));
  }
  return ok ? std::optional(check) : std::nullopt;
}

std::optional<LogCheck> read_log(ReadContext& context, const Field& field) {
  if (field.value.IsScalar() || field.value.IsNull()) {  // `log: "waiting for jobs"`
    auto pattern = read_string(context, field);
    return pattern ? std::optional(LogCheck{*pattern}) : std::nullopt;
  }
  MapReader map(context, field, {"pattern"});
  const Field* pattern_field = map.require("pattern");
  if (!map.valid() || pattern_field == nullptr) {
    return std::nullopt;
  }
  auto pattern = read_string(context, *pattern_field);
  return pattern ? std::optional(LogCheck{*pattern}) : std::nullopt;
}

std::optional<ExecCheck> read_exec(ReadContext& context, const Field& field) {
  ExecCheck check;
  if (field.value.IsSequence()) {  // `exec: [program, args...]`
    auto command = read_command(context, field);
    if (!command) {
      return std::nullopt;
    }
    check.command = *command;
    return check;
  }
  MapReader map(context, field, {"command", "exit_code", "output_contains"});
  const Field* command_field = map.require("command");
  if (!map.valid() || command_field == nullptr) {
    return std::nullopt;
  }
  auto command = read_command(context, *command_field);
  bool ok = command.has_value();
  if (command) {
    check.command = *command;
  }
  if (const Field* f = map.get("exit_code")) {
    ok &= assign(check.exit_code, read_int(context, *f, 0, 255));
  }
  if (const Field* f = map.get("output_contains")) {
    ok &= assign(check.output_contains, read_string(context, *f));
  }
  return ok ? std::optional(check) : std::nullopt;
}

std::optional<SqliteCheck> read_sqlite(ReadContext& context, const Field& field) {
  SqliteCheck check;
  MapReader map(context, field, {"path", "query"});
  const Field* path_field = map.require("path");
  if (!map.valid() || path_field == nullptr) {
    return std::nullopt;
  }
  auto path = read_string(context, *path_field);
  bool ok = path.has_value();
  check.path = path.value_or("");
  if (const Field* f = map.get("query")) {
    ok &= assign(check.query, read_string(context, *f));
  }
  return ok ? std::optional(check) : std::nullopt;
}

// A URL written in the manifest: of this check's engine and without a password (secrets are
// named, never written). Checked now unless it holds ${...} values filled in later.
std::optional<std::string> read_database_url(ReadContext& context, const Field& field,
                                             DatabaseEngine engine) {
  auto text = read_string(context, field);
  if (!text || text->find("${") != std::string::npos) {
    return text;
  }
  const auto url = parse_database_url(*text);
  std::string problem;
  if (!url) {
    problem = url.error();
  } else if (url->engine != engine) {
    problem = "a " + to_string(url->engine) + " URL in a " + to_string(engine) + " check";
  } else if (!url->password.empty()) {
    problem =
        "the URL holds a password: write it without, and name the variable that holds "
        "the password in password_env (or use url_env)";
  }
  if (!problem.empty()) {
    context.diagnostics.error(field.value_where, field.path, problem);
    return std::nullopt;
  }
  return text;
}

// postgres: / mysql: alone (DATABASE_URL), the name of the variable, or a map.
std::optional<SqlServerCheck> read_sql_server(ReadContext& context, const Field& field,
                                              DatabaseEngine engine) {
  SqlServerCheck check;
  if (field.value.IsNull()) {
    return check;
  }
  if (field.value.IsScalar()) {
    auto name = read_env_name(context, field, field.key);
    return name ? std::optional(SqlServerCheck{*name, "", "", "SELECT 1"}) : std::nullopt;
  }
  MapReader map(context, field, {"url_env", "url", "password_env", "query"});
  if (!map.valid()) {
    return std::nullopt;
  }
  bool ok = true;
  if (const Field* f = map.get("url_env")) {
    ok &= assign(check.url_env, read_env_name(context, *f, "url_env"));
  }
  if (const Field* f = map.get("url")) {
    ok &= assign(check.url, read_database_url(context, *f, engine));
    if (map.get("url_env") != nullptr) {
      context.diagnostics.error(f->key_where, f->path, "give url or url_env, not both");
      ok = false;
    }
  }
  if (const Field* f = map.get("password_env")) {
    ok &= assign(check.password_env, read_env_name(context, *f, "password_env"));
  }
  if (const Field* f = map.get("query")) {
    ok &= assign(check.query, read_string(context, *f));
  }
  return ok ? std::optional(check) : std::nullopt;
}

std::optional<CheckKind> read_kind(ReadContext& context, const Field& field) {
  const auto wrap = [](auto&& value) -> std::optional<CheckKind> {
    if (!value) {
      return std::nullopt;
    }
    return CheckKind(std::move(*value));
  };
  if (field.key == "http") {
    return wrap(read_http(context, field));
  }
  if (field.key == "tcp") {
    return wrap(read_tcp(context, field));
  }
  if (field.key == "redis") {
    return wrap(read_redis(context, field));
  }
  if (field.key == "log") {
    return wrap(read_log(context, field));
  }
  if (field.key == "exec") {
    return wrap(read_exec(context, field));
  }
  if (field.key == "postgres") {
    auto check = read_sql_server(context, field, DatabaseEngine::postgres);
    return check ? std::optional<CheckKind>(PostgresCheck{*check}) : std::nullopt;
  }
  if (field.key == "mysql") {
    auto check = read_sql_server(context, field, DatabaseEngine::mysql);
    return check ? std::optional<CheckKind>(MysqlCheck{*check}) : std::nullopt;
  }
  return wrap(read_sqlite(context, field));
}

std::vector<std::string> with_kinds(std::vector<std::string> keys) {
  const auto& kinds = check_kind_names();
  keys.insert(keys.begin(), kinds.begin(), kinds.end());
  return keys;
}

}  // namespace

const std::vector<std::string>& check_kind_names() {
  static const std::vector<std::string> names{"http", "tcp",    "redis",    "log",
                                              "exec", "sqlite", "postgres", "mysql"};
  return names;
}

std::optional<CheckSpec> read_check_from(ReadContext& context, const MapReader& map) {
  const auto& kinds = check_kind_names();
  std::vector<const Field*> kind_fields;
  for (const Field& field : map.fields()) {
    if (std::find(kinds.begin(), kinds.end(), field.key) != kinds.end()) {
      kind_fields.push_back(&field);
    }
  }
  if (kind_fields.empty()) {
    context.diagnostics.error(map.where(), map.path(), "needs one check: " + join(kinds, ", "));
    return std::nullopt;
  }
  if (kind_fields.size() > 1) {
    context.diagnostics.error(kind_fields[1]->key_where, map.path(),
                              "one check per entry, found both \"" + kind_fields[0]->key +
                                  "\" and \"" + kind_fields[1]->key + "\"");
    return std::nullopt;
  }
  auto kind = read_kind(context, *kind_fields[0]);
  if (!kind) {
    return std::nullopt;
  }
  return CheckSpec{std::move(*kind), kind_fields[0]->key_where};
}

std::optional<CheckSpec> read_check(ReadContext& context, const Field& field) {
  MapReader map(context, field, with_kinds({}));
  if (!map.valid()) {
    return std::nullopt;
  }
  return read_check_from(context, map);
}

std::optional<ProbeSpec> read_probe(ReadContext& context, const Field& field, ProbeRole role) {
  MapReader map(context, field, with_kinds({"timeout", "interval", "failures", "start_period"}));
  if (!map.valid()) {
    return std::nullopt;
  }
  ProbeSpec probe{};
  // Readiness polls often (crash-to-ready latency); liveness rarely and tolerates blips.
  if (role == ProbeRole::readiness) {
    probe.timeout = Duration(30'000);
    probe.interval = Duration(200);
    probe.failures = 1;
  } else {
    probe.timeout = Duration(2'000);
    probe.interval = Duration(10'000);
    probe.failures = 3;
  }
  bool ok = true;
  auto check = read_check_from(context, map);
  ok = check.has_value();
  if (check) {
    probe.check = std::move(*check);
  }
  const auto duration_field = [&](const char* key, Duration& target) {
    if (const Field* f = map.get(key)) {
      const auto value = read_duration(context, *f);
      if (!value) {
        ok = false;
      } else if (value->count() == 0 && target.count() > 0) {
        // Settings whose default is non-zero (timeout, interval) make no sense at zero.
        context.diagnostics.error(f->value_where, f->path, "must be longer than 0s");
        ok = false;
      } else {
        target = *value;
      }
    }
  };
  duration_field("timeout", probe.timeout);
  duration_field("interval", probe.interval);
  duration_field("start_period", probe.start_period);
  if (const Field* f = map.get("failures")) {
    ok &= assign(probe.failures, read_int(context, *f, 1, 1000));
  }
  if (ok && role == ProbeRole::liveness && std::holds_alternative<LogCheck>(probe.check.kind)) {
    context.diagnostics.error(probe.check.where, field.path,
                              "a log check cannot be a liveness probe: a line once logged "
                              "stays logged; use http, tcp, redis or exec");
    ok = false;
  }
  return ok ? std::optional(probe) : std::nullopt;
}

}  // namespace bosun::manifest::detail
