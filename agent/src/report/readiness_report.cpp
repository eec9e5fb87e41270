#include "report/readiness_report.hpp"

#include <set>

#include "bosun/checks/host_checks.hpp"
#include "bosun/checks/service_checks.hpp"
#include "bosun/common/text.hpp"
#include "bosun/common/url.hpp"
#include "bosun/manifest/variables.hpp"
#include "database/schema_actions.hpp"
#include "deploy/deploy_actions.hpp"
#include "report/listeners.hpp"
#include "state/journal.hpp"

namespace bosun::agent::report {
namespace {

using checks::ReportItem;
using checks::Status;

constexpr std::chrono::milliseconds k_check_timeout{3000};
const std::vector<std::string> k_error_patterns{"ERROR",     "FATAL",     "Exception",
                                                "exception", "Traceback", "panic:"};

struct Endpoint {
  std::string host;
  std::uint16_t port = 0;
  bool tls = false;
  bool operator<(const Endpoint& other) const {
    return std::tie(host, port, tls) < std::tie(other.host, other.port, other.tls);
  }
};

std::optional<Endpoint> endpoint_of(const manifest::CheckKind& check) {
  if (const auto* http = std::get_if<manifest::HttpCheck>(&check)) {
    const auto url = parse_http_url(http->url);
    if (url) {
      return Endpoint{url->host, url->port, url->scheme == "https"};
    }
  } else if (const auto* tcp = std::get_if<manifest::TcpCheck>(&check)) {
    return Endpoint{tcp->host, tcp->port, false};
  } else if (const auto* redis = std::get_if<manifest::RedisCheck>(&check)) {
    return Endpoint{redis->host, redis->port, false};
  }
  return std::nullopt;
}

class Builder {
 public:
  explicit Builder(const ReadinessInputs& inputs) : m_in(inputs), m_app(*inputs.app) {}

  checks::Report build() {
    m_report.kind = "readiness";
    m_report.app = m_app.manifest.app;
    m_report.host = m_in.host;
    m_report.release = m_app.id;
    m_report.commit = m_app.commit;
    m_report.generated_unix_ms = state::now_unix_ms();
    services();
    health();
    database();
    api();
    environment();
    logs();
    network();
    exposure();
    certificates();
    resources();
    return std::move(m_report);
  }

 private:
  void add(const std::string& group, const std::string& name, checks::CheckResult result,
           bool blocking = true) {
    m_report.items.push_back({group, name, "", std::move(result), blocking});
  }

  checks::CheckContext context_for(const supervise::ServiceStatus* service) const {
    checks::CheckContext context;
    context.timeout = k_check_timeout;
    context.env = m_app.env;
    context.cwd = m_app.dir;
    if (service != nullptr) {
      context.log_path = service->log_path;
    }
    return context;
  }

  const supervise::ServiceStatus* status_of(const std::string& name) const {
    for (const supervise::ServiceStatus& status : m_in.services) {
      if (status.name == name) {
        return &status;
      }
    }
    return nullptr;
  }

  void services() {
    if (m_app.specs.empty()) {
      add("services", "app",
          {Status::fail,
           "no release is running here",
           "deploy one: bosun deploy (or bosun-agent deploy)",
           {}});
    }
    for (const supervise::ServiceSpec& spec : m_app.specs) {
      const supervise::ServiceStatus* status = status_of(spec.name);
      checks::ServiceObservation observed;
      observed.name = spec.name;
      observed.window = m_in.window;
      if (status == nullptr) {
        observed.state = "unknown to the agent";
      } else {
        observed.state = to_string(status->state);
        observed.pid = status->pid;
        observed.last_exit = status->last_exit;
        observed.log_path = status->log_path;
        // The lines the supervisor kept when it failed: no second read of the log.
        const auto& kept = status->evidence;
        observed.last_log_lines.assign(kept.end() - std::min<std::ptrdiff_t>(5, std::ssize(kept)),
                                       kept.end());
        const auto restarts = m_in.recent_restarts.find(spec.name);
        observed.recent_restarts = restarts == m_in.recent_restarts.end() ? 0 : restarts->second;
      }
      add("services", spec.name, checks::check_service_state(observed));
    }
  }

  void health() {
    for (const supervise::ServiceSpec& spec : m_app.specs) {
      const supervise::ServiceStatus* status = status_of(spec.name);
      const int pid = status != nullptr ? status->pid : -1;
      for (const auto* probe : {&spec.ready, &spec.liveness}) {
        if (!probe->has_value()) {
          continue;
        }
        const manifest::ProbeSpec filled =
            supervise::probe_for_instance(**probe, pid, status != nullptr ? status->port : 0);
        if (std::holds_alternative<manifest::LogCheck>(filled.check.kind)) {
          continue;  // a start-up marker, not something to ask again
        }
        const std::string role = probe == &spec.ready ? "ready" : "liveness";
        add("health", spec.name + " " + role + ": " + describe_check(filled.check.kind),
            checks::run_check(filled.check.kind, context_for(status)));
      }
    }
  }

  void database() {
    const manifest::Database& database = m_app.manifest.database;
    if (database.kind == manifest::DatabaseKind::sqlite) {
      auto path = manifest::expand_variables(database.path, m_app.variables);
      manifest::SqliteCheck check{path ? *path : database.path, "SELECT 1"};
      add("database", "sqlite " + check.path,
          checks::run_sqlite_check(check, context_for(nullptr)));
    }
    if (database.kind == manifest::DatabaseKind::postgres ||
        database.kind == manifest::DatabaseKind::mysql) {
      manifest::SqlServerCheck check;
      check.url_env = database.url_env;
      const bool postgres = database.kind == manifest::DatabaseKind::postgres;
      add("database", std::string(postgres ? "postgres" : "mysql") + " $" + database.url_env,
          postgres ? checks::run_postgres_check({check}, context_for(nullptr))
                   : checks::run_mysql_check({check}, context_for(nullptr)));
    }
    if (database.migrate_version && !m_app.id.empty()) {
      const database::CommandSite site{
          m_app.dir,
          m_app.env,
          m_app.variables,
          (m_in.layout.logs() / "deploys" / (m_app.id + ".db.log")).string(),
          "",
          m_app.manifest.steps_user()};
      const auto now = database::schema_version(database, site);
      checks::CheckResult result;
      if (!now) {
        result = {Status::fail,
                  "the schema version could not be read (migrate.version failed)",
                  "look at " + site.log_path,
                  {}};
      } else if (m_in.recorded_schema && *m_in.recorded_schema != *now) {
        result = {Status::fail,
                  "schema at version " + database::describe_version(now) + ", but release " +
                      m_app.id + " was deployed at " +
                      database::describe_version(m_in.recorded_schema),
                  "someone migrated by hand: migrate to the release's version, or redeploy",
                  {}};
      } else {
        result = {Status::pass,
                  "schema at version " + database::describe_version(now) +
                      (m_in.recorded_schema ? ", as the release recorded" : ""),
                  "",
                  {}};
      }
      add("database", "schema version", result);
    }
  }

  void api() {
    for (const manifest::CheckSpec& check : m_app.manifest.verify.checks) {
      const manifest::CheckSpec expanded = deploy::expand_check(check, m_app.variables);
      add("api", describe_check(expanded.kind),
          checks::run_check(expanded.kind, context_for(nullptr)));
    }
  }

  void environment() {
    std::set<std::string> names(m_app.manifest.requires_.env.begin(),
                                m_app.manifest.requires_.env.end());
    names.insert(m_app.manifest.secrets.begin(), m_app.manifest.secrets.end());
    for (const std::string& name : names) {
      add("env", name, checks::check_env_var(name, m_app.env));
    }
  }

  void logs() {
    for (const supervise::ServiceSpec& spec : m_app.specs) {
      add("logs", spec.name, checks::check_log_errors(spec.log_path, k_error_patterns, 200, 5),
          false);
    }
  }

  void network() {
    std::set<Endpoint> endpoints;
    const auto collect = [&](const manifest::CheckKind& kind) {
      if (auto endpoint = endpoint_of(kind)) {
        endpoints.insert(*endpoint);
      }
    };
    for (const supervise::ServiceSpec& spec : m_app.specs) {
      if (spec.ready) {
        collect(spec.ready->check.kind);
      }
      if (spec.liveness) {
        collect(spec.liveness->check.kind);
      }
    }
    for (const manifest::CheckSpec& check : m_app.manifest.verify.checks) {
      collect(deploy::expand_check(check, m_app.variables).kind);
    }
    for (const Endpoint& endpoint : endpoints) {
      add("network", endpoint.host + ":" + std::to_string(endpoint.port),
          checks::run_tcp_check({endpoint.host, endpoint.port}, context_for(nullptr)));
      if (endpoint.tls) {
        add("certificates", endpoint.host + ":" + std::to_string(endpoint.port),
            checks::check_certificate_endpoint(endpoint.host, endpoint.port, k_check_timeout));
      }
    }
  }

  // What each running service listens on: beyond loopback only when declared public.
  void exposure() {
    const std::vector<sys::TcpSocketEntry> sockets = sys::tcp_sockets();
    for (const supervise::ServiceSpec& spec : m_app.specs) {
      const supervise::ServiceStatus* status = status_of(spec.name);
      if (status == nullptr || status->pid <= 0) {
        continue;
      }
      std::vector<std::string> open;
      std::vector<std::string> local;
      for (const Listener& listener : listeners_of(status->pid, sockets)) {
        (listener.loopback ? local : open).push_back(listener.where());
      }
      if (open.empty() && local.empty()) {
        continue;
      }
      if (open.empty()) {
        add("exposure", spec.name, {Status::pass, "listens on " + join(local, ", ") + " only", ""});
      } else if (spec.public_) {
        add("exposure", spec.name,
            {Status::pass, "listens on " + join(open, ", ") + " (declared public)", ""});
      } else {
        add("exposure", spec.name,
            {Status::fail,
             "listens on " + join(open, ", ") +
                 ", beyond loopback, and is not declared public: other hosts can reach it",
             "bind it to 127.0.0.1 (redis-server --bind 127.0.0.1, uvicorn --host 127.0.0.1), "
             "or say `public: true` for " +
                 spec.name + " if it is meant to be reached"});
      }
    }
  }

  void certificates() {
    for (const manifest::FileRequirement& file : m_app.manifest.requires_.files) {
      if (file.path.ends_with(".pem") || file.path.ends_with(".crt")) {
        auto path = manifest::expand_variables(file.path, m_app.variables);
        add("certificates", file.path, checks::check_certificate_file(path ? *path : file.path));
      }
    }
  }

  void resources() {
    const manifest::Requirements& needs = m_app.manifest.requires_;
    add("resources", "disk at " + m_in.layout.root.string(),
        checks::check_disk_free(m_in.layout.root.string(), needs.disk_free.value_or(512ULL << 20)),
        false);
    add("resources", "memory", checks::check_memory(needs.memory.value_or(128ULL << 20)), false);
    add("resources", "load", checks::check_load(), false);
  }

  const ReadinessInputs& m_in;
  const release::ReleaseApp& m_app;
  checks::Report m_report;
};

}  // namespace

std::string describe_check(const manifest::CheckKind& check) {
  if (const auto* http = std::get_if<manifest::HttpCheck>(&check)) {
    return "GET " + http->url;
  }
  if (const auto* tcp = std::get_if<manifest::TcpCheck>(&check)) {
    return "tcp " + tcp->host + ":" + std::to_string(tcp->port);
  }
  if (const auto* redis = std::get_if<manifest::RedisCheck>(&check)) {
    return "redis " + redis->host + ":" + std::to_string(redis->port);
  }
  if (const auto* log = std::get_if<manifest::LogCheck>(&check)) {
    return "log line " + quote_for_message(log->pattern);
  }
  if (const auto* exec = std::get_if<manifest::ExecCheck>(&check)) {
    return "exec " +
           (exec->command.uses_shell() ? exec->command.shell : join(exec->command.argv, " "));
  }
  if (const auto* sqlite = std::get_if<manifest::SqliteCheck>(&check)) {
    return "sqlite " + sqlite->path;
  }
  if (const auto* postgres = std::get_if<manifest::PostgresCheck>(&check)) {
    return "postgres " + (postgres->url.empty() ? "$" + postgres->url_env : postgres->url);
  }
  if (const auto* mysql = std::get_if<manifest::MysqlCheck>(&check)) {
    return "mysql " + (mysql->url.empty() ? "$" + mysql->url_env : mysql->url);
  }
  return manifest::check_kind_name(check);
}

checks::Report build_readiness_report(const ReadinessInputs& inputs) {
  return Builder(inputs).build();
}

}  // namespace bosun::agent::report
