#pragma once
// The typed app manifest (app.yaml). Everything here has been validated by the loader:
// names follow the naming rule, durations and sizes are parsed, depends_on refers to existing
// services and has no cycles. Variables such as ${shared} are kept as written; they are
// expanded per host by the agent (see variables.hpp).

#include <cstdint>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "bosun/common/duration.hpp"
#include "bosun/common/version.hpp"

namespace bosun::manifest {

// 1-based position in the manifest file; 0 when unknown.
struct Location {
  int line = 0;
  int column = 0;
};

// A command is an argv list, run without a shell, or `sh: "..."` for an explicit shell line.
struct Command {
  std::vector<std::string> argv;
  std::string shell;  // non-empty for the `sh:` form; argv is then empty
  Location where;

  bool uses_shell() const { return !shell.empty(); }
};

struct EnvVar {
  std::string name;
  std::string value;
  Location where;
};

// ---- check specifications (the checks/ library evaluates them) ----

struct JsonFieldExpectation {
  std::string path;   // dotted: "checks.redis.ok"
  std::string value;  // compared with the field's JSON text ("true", "4", "ready")
};

struct HttpCheck {
  std::string url;
  int status = 200;           // expected status code
  std::string body_contains;  // empty: not checked
  std::optional<Duration> max_latency;
  std::string content_type;                // expected media type ("application/json"); empty: any
  std::vector<JsonFieldExpectation> json;  // fields of a JSON body that must equal values
};

struct TcpCheck {
  std::string host = "127.0.0.1";
  std::uint16_t port = 0;
};

struct RedisCheck {
  std::string host = "127.0.0.1";
  std::uint16_t port = 6379;
  std::string password_env;  // name of the env var holding the password; empty: none
};

// Passes once a line containing `pattern` appears in the service's log.
struct LogCheck {
  std::string pattern;
};

struct ExecCheck {
  Command command;
  int exit_code = 0;
  std::string output_contains;
};

struct SqliteCheck {
  std::string path;
  std::string query = "SELECT 1";
};

// Connects to a Postgres or MySQL/MariaDB server as the app does and runs `query`. The URL
// comes from the app's environment (`url_env`, DATABASE_URL by default), or is written out
// without its password (`url`, then `password_env` names the variable holding it).
struct SqlServerCheck {
  std::string url_env = "DATABASE_URL";
  std::string url;
  std::string password_env;
  std::string query = "SELECT 1";
};
struct PostgresCheck : SqlServerCheck {};
struct MysqlCheck : SqlServerCheck {};

using CheckKind = std::variant<HttpCheck, TcpCheck, RedisCheck, LogCheck, ExecCheck, SqliteCheck,
                               PostgresCheck, MysqlCheck>;

struct CheckSpec {
  CheckKind kind;
  Location where;
};

// The manifest name of a check kind ("http", "tcp", ...).
std::string check_kind_name(const CheckKind& kind);

// A check plus the policy to apply it as a readiness or liveness probe.
struct ProbeSpec {
  CheckSpec check;
  Duration timeout{0};       // ready: deadline to become ready; liveness: per attempt
  Duration interval{0};      // between attempts
  int failures = 0;          // liveness: consecutive failures that trigger a restart
  Duration start_period{0};  // failures during this period after start do not count
};

// ---- services ----

enum class RestartPolicy { always, on_failure, never };
// restart: stop, then start. overlap: the new instance beside the old one on a port both
// bind (SO_REUSEPORT), the old one stopped once the new one is ready. handoff: the same, on
// the agent's own socket (`listen:`), which both instances share and none of them binds.
// proxy: each instance on a port of its own (${port}) behind nginx, whose upstream bosun
// switches to the new instance once it is ready; the old one is stopped after draining.
enum class DeployMode { restart, overlap, handoff, proxy };
std::string deploy_mode_name(DeployMode mode);

// A listening socket the agent binds and keeps across the service's instances, handed to each
// by systemd's socket-activation protocol (fd 3, LISTEN_FDS, LISTEN_FDNAMES, LISTEN_PID).
struct ListenSpec {
  std::string host = "127.0.0.1";  // an IPv4 or IPv6 address, 0.0.0.0 for every interface
  std::uint16_t port = 0;
  int backlog = 1024;  // pending connections the agent's socket queues between instances
  std::string name;    // LISTEN_FDNAMES; empty: the service's name
  // deploy: handoff: how long the old instance may keep its connections once new ones go to
  // its replacement, before it gets its stop signal.
  Duration drain_timeout{30'000};
  Location where;

  std::string address() const;  // "127.0.0.1:8000", "[::1]:8000"
};

// deploy: proxy. The upstream file is an nginx include bosun writes (`upstream NAME { server
// 127.0.0.1:PORT; }`); the user's server block proxies to NAME. `test` must pass before
// `reload` (the old file is put back when it does not).
struct ProxySpec {
  std::uint16_t first_port = 0;  // ports: the range an instance's ${port} is taken from
  std::uint16_t last_port = 0;
  std::string upstream;  // empty: ${shared}/proxy/upstreams/<service>.conf
  std::string name;      // the upstream's name; empty: <app>_<service>
  Command test{{"nginx", "-t"}, {}, {}};
  Command reload{{"nginx", "-s", "reload"}, {}, {}};
  Duration drain_timeout{30'000};  // the old instance's connections, before it is stopped
  // nginx's master pid: its workers from before a reload still send requests to the old
  // instance until they exit, so the drain waits for them.
  std::string pid_file = "/run/nginx.pid";
  Location where;
};

struct Backoff {
  Duration initial{100};
  Duration max{30'000};
  Duration reset_after{60'000};  // a run this long resets the delay to `initial`
};

struct CrashLoopPolicy {
  int restarts = 5;  // more restarts than this within `window` is a crash loop
  Duration window{60'000};
  Duration cooldown{300'000};            // delay between attempts while in crash-loop
  bool give_up = false;                  // stay stopped instead of cooling down and retrying
  std::optional<Command> on_crash_loop;  // alert hook
};

struct RestartSpec {
  RestartPolicy policy = RestartPolicy::always;
  Backoff backoff;
  CrashLoopPolicy crash_loop;
};

struct StopSpec {
  std::string signal = "TERM";  // without the SIG prefix
  Duration timeout{10'000};
};

struct LogSpec {
  std::uint64_t max_size = 10ULL * 1024 * 1024;
  int keep = 5;
};

// ---- containers ----

// An image built in each release: `ENGINE build -f DOCKERFILE CONTEXT`, both relative to the
// release, tagged bosun-APP-SERVICE:RELEASE so that every release keeps its own image.
struct ContainerBuild {
  std::string context = ".";
  std::string dockerfile = "Dockerfile";  // relative to the release, like the context
  bool no_cache = false;                  // --no-cache: every layer built afresh
  Location where;
};

// A service that runs as a container (docker, or podman with the same command line), in the
// foreground of the agent's supervision: its log, probes, restarts and stops are a process's.
struct ContainerSpec {
  std::string engine = "docker";
  std::string image;  // a named image ("redis:7"); empty when `build` is given
  std::optional<ContainerBuild> build;
  std::string network = "host";      // host, or bridge/none (then `ports` publish)
  std::vector<std::string> ports;    // -p, as docker writes them: 127.0.0.1:8000:8000
  std::vector<std::string> volumes;  // -v HOST:CONTAINER[:ro], HOST under ${shared} or ${release}
  std::string memory;                // --memory (512m)
  std::string cpus;                  // --cpus (1.5)
  bool init = false;                 // --init: a PID 1 that forwards signals and reaps
  Location where;
};

struct Service {
  std::string name;
  Location where;
  Command command;
  std::vector<EnvVar> env;
  std::vector<std::string> depends_on;
  std::vector<Location> depends_on_where;  // parallel to depends_on, for messages
  std::optional<ProbeSpec> ready;
  std::optional<ProbeSpec> liveness;
  RestartSpec restart;
  StopSpec stop;
  DeployMode deploy = DeployMode::restart;
  std::string cwd;   // relative to the release directory; empty: the release directory
  std::string user;  // empty: the agent's user
  std::optional<std::uint64_t> nofile;
  LogSpec logs;
  std::optional<ListenSpec> listen;
  std::optional<ProxySpec> proxy;
  // Meant to be reached from other hosts (nginx on 80/443): listening beyond loopback is then
  // no finding of the readiness report.
  bool public_ = false;
  // Runs as a container; `command` (optional then) overrides the image's CMD and `user` is the
  // user inside the container.
  std::optional<ContainerSpec> container;
};

// ---- database ----

enum class DatabaseKind { none, sqlite, postgres, mysql };
enum class RollbackMode { down, restore };

struct Database {
  DatabaseKind kind = DatabaseKind::none;
  std::string path;  // sqlite file
  std::optional<Command> migrate_up;
  std::optional<Command> migrate_down;     // may use ${version}
  std::optional<Command> migrate_version;  // prints the schema version
  // ${version} for migrate.down when the target is "before the first migration" (the version
  // command printed nothing): alembic `base`, Django `zero`; "0" for numbered migrations.
  std::string migrate_base = "0";
  std::optional<Command> backup;  // for engines other than sqlite
  std::optional<Command> restore;
  RollbackMode rollback = RollbackMode::down;
  // Schema versions whose migration cannot be undone by migrate down (data is dropped):
  // a rollback across one is refused unless it restores the backup.
  // Versions are text, as the migration tool prints them (integers, alembic revision ids).
  std::vector<std::string> irreversible;
  // postgres / mysql: the app's environment variable holding its connection URL, which
  // bosun's own backup, restore and schema reads connect with.
  std::string url_env = "DATABASE_URL";
  // The app's service that is the database server (`bosun-agent database-server`, or the
  // user's own): a deploy starts it from the target release before its backup and migrate
  // when it is not running yet, as on the very first deploy of a single VM.
  std::string service;
  Location service_where;
};

// ---- fleet ----

struct SshSettings {
  std::string user;
  std::optional<std::uint16_t> port;
  std::string identity;
  std::string known_hosts;
  std::string proxy_jump;
  std::string config;  // an OpenSSH client config file read instead of ~/.ssh/config
  // Unset: the stage's or top-level value, else the controller's default (10 s, 15 s).
  std::optional<Duration> connect_timeout;
  std::optional<Duration> keepalive;
};

struct Stage {
  std::string name;
  Location where;
  std::vector<std::string> hosts;
  std::string root;  // overrides the manifest root for this stage
  std::optional<SshSettings> ssh;
};

// ---- deploy checks and requirements ----

// A Python virtualenv per release: `python3 -m venv`, then pip install -r with a pip cache
// shared across releases (ROOT/cache/pip).
struct PythonBuild {
  std::string requirements = "requirements.txt";  // relative to the release
  std::string venv = ".venv";                     // relative to the release
  bool system_site_packages = false;              // see the distribution's python3-* packages too
  std::string interpreter = "python3";            // the venv's python, e.g. /usr/bin/python3
};

// node_modules by npm: reused from the live release when package-lock.json is unchanged
// (hard links, no download), else `npm ci` (or `npm install`) with a shared npm cache
// (ROOT/cache/npm).
struct NodeBuild {
  std::string install = "ci";  // "ci" or "install"
};

struct Build {
  std::vector<Command> commands;  // after the python and node installs
  Duration timeout{20 * 60'000};
  std::optional<PythonBuild> python;
  std::optional<NodeBuild> node;

  bool empty() const { return commands.empty() && !python && !node; }
};

struct Verify {
  Duration window{10'000};
  Duration timeout{60'000};
  std::vector<CheckSpec> checks;
};

struct ToolRequirement {
  std::string name;
  VersionConstraint constraint;
  Location where;
};

// A file the app needs on the host, optionally with its permission bits and owner.
struct FileRequirement {
  std::string path;
  std::optional<int> mode;  // e.g. 0600
  std::string owner;        // a user name; empty: any
};

struct OsRequirement {
  std::vector<std::string> ids;  // e.g. ubuntu, debian; empty: any
  std::optional<VersionConstraint> version;
};

struct Requirements {
  std::vector<ToolRequirement> tools;
  std::vector<std::string> env;
  std::vector<std::uint16_t> ports_free;
  std::optional<std::uint64_t> disk_free;
  std::optional<std::uint64_t> memory;
  std::vector<FileRequirement> files;
  std::optional<OsRequirement> os;
};

struct Manifest {
  std::string file;  // where it was loaded from, for messages
  std::string app;
  std::string repo;
  std::string root = "/srv/bosun/${app}";
  // `user:` the account the app's own commands run as on the host: build, migrate, backup and
  // restore commands, `run:` hooks, on_crash_loop. Not the SSH login (that is ssh.user).
  std::string user;
  int keep_releases = 5;
  // Paths inside each release that are links into ROOT/shared (e.g. data, .env): state that
  // survives releases. Relative, without "..".
  std::vector<std::string> shared;
  std::vector<Stage> stages;
  SshSettings ssh;
  std::vector<std::string> secrets;  // names only; values come from .bosun/secrets or env
  std::vector<EnvVar> env;
  Build build;
  Database database;
  std::vector<Service> services;  // in file order
  Verify verify;
  Requirements requires_;  // `requires` in YAML (a C++20 keyword)

  const Service* find_service(std::string_view name) const;
  // Who the app's commands run as: `user:`, else the services' user when every service names
  // the same one, else "" (the agent's own user).
  std::string steps_user() const;
  const Stage* find_stage(std::string_view name) const;
  // Services ordered so that each comes after everything it depends on (file order otherwise).
  std::vector<const Service*> start_order() const;
};

}  // namespace bosun::manifest
