// A table of broken manifests: each must be rejected with the expected message at the
// expected line:col, and never crash.

#include <gtest/gtest.h>

#include "bosun/manifest/loader.hpp"

namespace bosun::manifest {
namespace {

struct InvalidCase {
  const char* name;
  const char* yaml;
  int line;
  int column;
  const char* message;  // a substring of the expected diagnostic
};

// Most cases start from this valid head and add one mistake.
#define HEAD "app: demo\nrepo: /tmp/demo.git\n"

const InvalidCase k_cases[] = {
    {"unknown_top_level_key", HEAD "servces:\n  web: {command: [bin/web]}\n", 3, 1,
     "unknown key \"servces\" (did you mean \"services\"?)"},
    {"unknown_service_key", HEAD "services:\n  web:\n    comand: [bin/web]\n", 5, 5,
     "unknown key \"comand\" (did you mean \"command\"?)"},
    {"missing_app", "repo: /tmp/demo.git\nservices:\n  web: {command: [bin/web]}\n", 1, 1,
     "missing required key \"app\""},
    {"missing_command", HEAD "services:\n  web:\n    env: {A: b}\n", 4, 3,
     "missing required key \"command\""},
    {"null_value", "app: demo\nrepo:\nservices:\n  web: {command: [bin/web]}\n", 2, 1,
     "repo: needs a value"},
    {"int_wrong_type", HEAD "keep_releases: five\nservices:\n  web: {command: [x]}\n", 3, 16,
     "expected a whole number, got \"five\""},
    {"int_out_of_range", HEAD "keep_releases: 0\nservices:\n  web: {command: [x]}\n", 3, 16,
     "0 is out of range (from 1 to 100)"},
    {"duration_without_unit", HEAD "services:\n  web:\n    command: [x]\n    stop: {timeout: 30}\n",
     6, 21, "\"30\" needs a unit"},
    {"duration_unknown_unit",
     HEAD "services:\n  web:\n    command: [x]\n    stop: {timeout: 10min}\n", 6, 21,
     "unknown unit \"min\""},
    {"size_without_unit", HEAD "services:\n  web:\n    command: [x]\n    logs: {max_size: 10}\n", 6,
     22, "\"10\" needs a unit"},
    {"size_unknown_unit", HEAD "services:\n  web: {command: [x]}\nrequires:\n  disk_free: 1XB\n", 6,
     14, "unknown unit \"XB\""},
    {"bad_version_constraint",
     HEAD "services:\n  web: {command: [x]}\nrequires:\n  tools: {redis-server: \">=seven\"}\n", 6,
     25, "is not a version constraint"},
    {"port_out_of_range",
     HEAD "services:\n  web:\n    command: [x]\n    ready: {tcp: {port: 70000}}\n", 6, 25,
     "70000 is out of range (from 1 to 65535)"},
    {"port_not_a_number",
     HEAD "services:\n  web: {command: [x]}\nrequires:\n  ports_free: [80, http]\n", 6, 20,
     "expected a whole number, got \"http\""},
    {"url_without_scheme",
     HEAD "services:\n  web:\n    command: [x]\n    ready: {http: {url: \"localhost:8080/\"}}\n", 6,
     25, "must start with http:// or https://"},
    {"http_status_out_of_range",
     HEAD
     "services:\n  web:\n    command: [x]\n    ready: {http: {url: \"http://h/\", status: 99}}\n",
     6, 46, "99 is out of range (from 100 to 599)"},
    {"invalid_service_name", HEAD "services:\n  Web: {command: [x]}\n", 4, 3,
     "invalid service name \"Web\""},
    {"invalid_app_name", "app: My App\nrepo: /r\nservices:\n  web: {command: [x]}\n", 1, 6,
     "invalid app name \"My App\""},
    {"duplicate_service", HEAD "services:\n  web: {command: [x]}\n  web: {command: [y]}\n", 5, 3,
     "duplicate key (first given on line 4)"},
    {"duplicate_depends_on",
     HEAD "services:\n  db: {command: [x]}\n  web: {command: [y], depends_on: [db, db]}\n", 5, 40,
     "duplicate entry \"db\""},
    {"unknown_dependency",
     HEAD "services:\n  redis: {command: [x]}\n  web: {command: [y], depends_on: [reddis]}\n", 5,
     36, "unknown service \"reddis\" (did you mean \"redis\"?)"},
    {"self_dependency", HEAD "services:\n  web: {command: [y], depends_on: [web]}\n", 4, 36,
     "depends on itself"},
    {"two_service_cycle",
     HEAD "services:\n  a: {command: [x], depends_on: [b]}\n  b: {command: [y], depends_on: [a]}\n",
     5, 34, "dependency cycle: a -> b -> a"},
    {"three_service_cycle",
     HEAD "services:\n  a: {command: [x], depends_on: [b]}\n  b: {command: [y], depends_on: [c]}\n"
          "  c: {command: [z], depends_on: [a]}\n",
     6, 34, "dependency cycle: a -> b -> c -> a"},
    {"secret_with_value", HEAD "secrets: {JWT_SECRET_KEY: abc}\nservices:\n  web: {command: [x]}\n",
     3, 11, "secret \"JWT_SECRET_KEY\" is given a value here"},
    {"secret_value_in_list",
     HEAD "secrets:\n  - JWT_SECRET_KEY: abc\nservices:\n  web: {command: [x]}\n", 4, 5,
     "is given a value here"},
    {"secret_value_in_env",
     HEAD "secrets: [JWT_SECRET_KEY]\nenv:\n  JWT_SECRET_KEY: hunter2hunter2\nservices:\n"
          "  web: {command: [x]}\n",
     5, 19, "\"JWT_SECRET_KEY\" is listed in secrets: its value must not be written"},
    {"secret_value_in_service_env",
     HEAD "secrets: [API_TOKEN]\nservices:\n  web:\n    command: [x]\n    env: {API_TOKEN: abc}\n",
     7, 22, "is listed in secrets"},
    {"command_as_shell_line", HEAD "services:\n  web:\n    command: bin/web --port 80\n", 5, 14,
     "commands are argv lists, not shell lines: write [\"bin/web\", \"--port\", \"80\"]"},
    {"empty_command", HEAD "services:\n  web:\n    command: []\n", 5, 14,
     "a command needs at least the program to run"},
    {"restart_policy_typo",
     HEAD "services:\n  web:\n    command: [x]\n    restart: {policy: alwyas}\n", 6, 23,
     "\"alwyas\" is not one of always, on-failure or never (did you mean \"always\"?)"},
    {"overlap_without_ready", HEAD "services:\n  web:\n    command: [x]\n    deploy: overlap\n", 6,
     13, "deploy: overlap needs a ready probe"},
    {"probe_without_check", HEAD "services:\n  web:\n    command: [x]\n    ready: {timeout: 10s}\n",
     6, 12, "needs one check: http, tcp, redis, log, exec, sqlite, postgres, mysql"},
    {"database_check_url_with_password",
     HEAD "services:\n  web:\n    command: [x]\n    ready: {postgres: {url: "
          "\"postgres://app:hunter2@db/app\"}}\n",
     6, 29, "the URL holds a password"},
    {"database_check_wrong_engine",
     HEAD
     "services:\n  web:\n    command: [x]\n    ready: {mysql: {url: \"postgres://a@db/app\"}}\n",
     6, 26, "a postgres URL in a mysql check"},
    {"database_check_url_env_value",
     HEAD
     "services:\n  web:\n    command: [x]\n    ready: {postgres: {url_env: \"postgres://x\"}}\n",
     6, 33, "url_env names an environment variable, not a value"},
    {"probe_with_two_checks",
     HEAD "services:\n  web:\n    command: [x]\n    ready: {tcp: 80, redis: {port: 6379}}\n", 6, 22,
     "one check per entry, found both \"tcp\" and \"redis\""},
    {"liveness_log_check",
     HEAD "services:\n  web:\n    command: [x]\n    liveness: {log: started}\n", 6, 16,
     "a log check cannot be a liveness probe"},
    {"probe_zero_interval",
     HEAD "services:\n  web:\n    command: [x]\n    ready: {tcp: 80, interval: 0s}\n", 6, 32,
     "must be longer than 0s"},
    {"unknown_variable", HEAD "env:\n  DB: \"${shraed}/db\"\nservices:\n  web: {command: [x]}\n", 4,
     7, "unknown variable ${shraed} (did you mean ${shared}?)"},
    {"version_variable_outside_migrate",
     HEAD "services:\n  web:\n    command: [x, \"${version}\"]\n", 5, 18,
     "${version} is only known in database.migrate.down"},
    {"unterminated_variable", HEAD "root: \"/srv/${app\"\nservices:\n  web: {command: [x]}\n", 3, 7,
     "unterminated \"${\""},
    {"services_empty", HEAD "services: {}\n", 3, 11, "needs at least one service"},
    {"services_not_a_map", HEAD "services: [web]\n", 3, 11,
     "expected a map (key: value), got a list"},
    {"stage_without_hosts", HEAD "stages:\n  prod: {hosts: []}\nservices:\n  web: {command: [x]}\n",
     4, 17, "a stage needs at least one host"},
    {"stage_duplicate_host",
     HEAD "stages:\n  prod: {hosts: [a.example, a.example]}\nservices:\n  web: {command: [x]}\n", 4,
     29, "duplicate entry \"a.example\""},
    {"stage_bad_host",
     HEAD "stages:\n  prod: {hosts: [\"a b\"]}\nservices:\n  web: {command: [x]}\n", 4, 18,
     "\"a b\" is not a host name or address"},
    {"invalid_env_name", HEAD "env:\n  MY-VAR: x\nservices:\n  web: {command: [x]}\n", 4, 3,
     "invalid environment variable name \"MY-VAR\""},
    {"shared_path_escapes", HEAD "shared: [data, ../etc]\nservices:\n  web: {command: [x]}\n", 3,
     16, "\"../etc\" must be a path inside the release"},
    {"relative_root", HEAD "root: srv/app\nservices:\n  web: {command: [x]}\n", 3, 7,
     "must be an absolute path"},
    {"yaml_syntax_error", "app: [demo\nrepo: x\n", 2, 5, "YAML syntax error"},
    {"unknown_signal", HEAD "services:\n  web:\n    command: [x]\n    stop: {signal: TERMINATE}\n",
     6, 20, "unknown signal \"TERMINATE\""},
    {"backoff_max_below_initial",
     HEAD "services:\n  web:\n    command: [x]\n    restart: {backoff: {initial: 10s, max: 1s}}\n",
     6, 44, "1s is shorter than initial (10s)"},
    {"bool_as_yes",
     HEAD "services:\n  web:\n    command: [x]\n    restart: {crash_loop: {give_up: yes}}\n", 6, 37,
     "expected true or false"},
    {"sqlite_without_path", HEAD "database:\n  kind: sqlite\nservices:\n  web: {command: [x]}\n", 4,
     3, "kind: sqlite needs a path"},
    {"migrate_down_without_version",
     HEAD "database:\n  kind: sqlite\n  path: /d.db\n  migrate: {up: [m, up], down: [m, down]}\n"
          "services:\n  web: {command: [x]}\n",
     6, 12, "down needs version too"},
    {"restore_without_commands",
     HEAD "database:\n  kind: none\n  rollback: restore\nservices:\n  web: {command: [x]}\n", 5, 13,
     "rollback: restore needs a database kind (sqlite, postgres, mysql) or backup and restore"},
    {"venv_outside_the_release",
     HEAD "build:\n  python: {venv: ../shared/venv}\nservices:\n  web: {command: [x]}\n", 4, 18,
     "a path inside the release: relative, without \"..\""},
    {"node_install_typo", HEAD "build:\n  node: cii\nservices:\n  web: {command: [x]}\n", 4, 9,
     "\"cii\" is not one of ci or install"},
    {"url_env_for_sqlite",
     HEAD
     "database:\n  kind: sqlite\n  path: /d.db\n  url_env: DB\nservices:\n  web: {command: [x]}\n",
     6, 3, "url_env is for kind: postgres or mysql"},
    {"database_service_unknown",
     HEAD "database:\n  kind: postgres\n  service: postgre\nservices:\n  web: {command: [x]}\n  "
          "postgres: {command: [y]}\n",
     5, 12, "unknown service \"postgre\" (did you mean \"postgres\"?)"},
    {"database_service_for_sqlite",
     HEAD "database:\n  kind: sqlite\n  path: /d.db\n  service: web\nservices:\n  web: {command: "
          "[x]}\n",
     6, 3, "service is for kind: postgres or mysql"},
    {"database_service_with_dependencies",
     HEAD "database:\n  kind: mysql\n  service: db\nservices:\n  web: {command: [x]}\n  db:\n   "
          " command: [y]\n    depends_on: [web]\n",
     10, 18, "the database's service starts before the others"},
    {"handoff_without_listen",
     HEAD "services:\n  web:\n    command: [x]\n    deploy: handoff\n    ready: {log: up}\n", 6, 13,
     "deploy: handoff needs listen:"},
    {"handoff_probe_answered_by_the_old_instance",
     HEAD "services:\n  web:\n    command: [x]\n    listen: 8000\n    deploy: handoff\n"
          "    ready: {http: \"http://127.0.0.1:8000/health\"}\n",
     8, 13, "with deploy: handoff the old instance answers on the shared socket"},
    {"tcp_probe_of_the_agents_socket",
     HEAD "services:\n  web:\n    command: [x]\n    listen: 8000\n    ready: {tcp: 8000}\n", 7, 13,
     "always passes: the agent's own socket"},
    {"listen_fd_without_listen",
     HEAD "services:\n  web:\n    command: [x, --fd, \"${listen_fd}\"]\n", 5, 24,
     "${listen_fd} is only known in a service with listen:"},
    {"listen_on_a_name", HEAD "services:\n  web:\n    command: [x]\n    listen: localhost:80\n", 6,
     13, "\"localhost\" is not an IP address"},
    {"proxy_one_port",
     HEAD "services:\n  web:\n    command: [x]\n    deploy: proxy\n    proxy: {ports: 3100}\n"
          "    ready: {log: up}\n",
     7, 20, "expected a range of at least two ports"},
    {"proxy_without_deploy_proxy",
     HEAD "services:\n  web:\n    command: [x]\n    proxy: {ports: 3100-3101}\n", 6, 5,
     "proxy: is for deploy: proxy"},
    {"port_without_proxy", HEAD "services:\n  web:\n    command: [x, \"${port}\"]\n", 5, 18,
     "${port} is only known in a service with proxy:"},
    {"verify_log_check",
     HEAD "services:\n  web: {command: [x]}\nverify:\n  checks:\n    - log: started\n", 7, 7,
     "log checks belong to a service's ready probe"},
    {"empty_manifest", "# nothing here\n", 1, 1, "the manifest is empty"},
    {"top_level_list", "- app: demo\n", 1, 1, "expected a map (key: value), got a list"},
    {"nofile_too_small", HEAD "services:\n  web:\n    command: [x]\n    limits: {nofile: 10}\n", 6,
     22, "10 is out of range (from 64 to 1048576)"},
    {"exec_check_bad_exit_code",
     HEAD
     "services:\n  web:\n    command: [x]\n    ready: {exec: {command: [t], exit_code: 300}}\n",
     6, 45, "300 is out of range (from 0 to 255)"},
    {"container_image_and_build",
     HEAD "services:\n  web:\n    container: {image: 'redis:7', build: {context: .}}\n", 5, 35,
     "give image: (a named image) or build: (one built per release), not both"},
    {"container_without_image", HEAD "services:\n  web:\n    container: {init: true}\n", 5, 5,
     "needs image: (e.g. redis:7) or build:"},
    {"container_ports_on_host",
     HEAD "services:\n  web:\n    container: {image: 'x', ports: ['8000:8000']}\n", 5, 29,
     "ports publish with network: bridge"},
    {"container_volume_outside",
     HEAD "services:\n  web:\n    container: {image: 'x', volumes: ['/etc:/host-etc']}\n", 5, 39,
     "a volume's host side must be under ${shared} or ${release}"},
    {"container_build_context_up",
     HEAD "services:\n  web:\n    container: {build: {context: ../other}}\n", 5, 34,
     "relative to the release, without \"..\""},
    {"container_engine", HEAD "services:\n  web:\n    container: {engine: lxc, image: x}\n", 5, 25,
     "\"lxc\" is not one of docker or podman"},
    {"steps_user_with_a_space", HEAD "user: www data\nservices:\n  web: {command: [x]}\n", 3, 7,
     "expected an account name on the host"},
};

#undef HEAD

class InvalidManifest : public ::testing::TestWithParam<InvalidCase> {};

TEST_P(InvalidManifest, ReportsTheProblemWhereItIs) {
  const InvalidCase& c = GetParam();
  const LoadResult result = parse_manifest(c.yaml, "app.yaml");
  EXPECT_FALSE(result.ok());
  std::string all;
  bool found = false;
  for (const Diagnostic& d : result.diagnostics) {
    const std::string text = format_diagnostic(d);
    all += "  " + text + "\n";
    const std::string position =
        "app.yaml:" + std::to_string(c.line) + ":" + std::to_string(c.column) + ": error: ";
    if (text.starts_with(position) && text.find(c.message) != std::string::npos) {
      found = true;
    }
  }
  EXPECT_TRUE(found) << "expected app.yaml:" << c.line << ":" << c.column << ": ... " << c.message
                     << "\ngot:\n"
                     << all;
}

INSTANTIATE_TEST_SUITE_P(Table, InvalidManifest, ::testing::ValuesIn(k_cases),
                         [](const ::testing::TestParamInfo<InvalidCase>& param_info) {
                           return std::string(param_info.param.name);
                         });

TEST(InvalidManifestTable, HasAtLeastThirtyCases) {
  EXPECT_GE(std::size(k_cases), 30U);
}

TEST(InvalidManifest, ReportsEveryProblemAtOnce) {
  const char* yaml =
      "app: Demo\n"  // 1: invalid app name
      "repo: /tmp/demo.git\n"
      "keep_releases: lots\n"  // 3: wrong type
      "services:\n"
      "  web:\n"
      "    comand: [bin/web]\n"     // 6: unknown key (and command missing)
      "    depends_on: [cache]\n"   // 7: unknown service
      "    stop: {timeout: 10}\n";  // 8: duration without unit
  const LoadResult result = parse_manifest(yaml, "app.yaml");
  ASSERT_FALSE(result.ok());
  std::vector<int> lines;
  for (const Diagnostic& d : result.diagnostics) {
    lines.push_back(d.where.line);
  }
  // Sorted by position, one line each, nothing lost to the first error.
  EXPECT_EQ(lines, (std::vector<int>{1, 3, 5, 6, 7, 8}));
}

TEST(InvalidManifest, MissingFileIsADiagnosticNotACrash) {
  const LoadResult result = load_manifest_file("/nonexistent/dir/app.yaml");
  ASSERT_FALSE(result.ok());
  ASSERT_EQ(result.diagnostics.size(), 1U);
  EXPECT_NE(format_diagnostic(result.diagnostics[0]).find("/nonexistent/dir/app.yaml: error: "),
            std::string::npos);
}

}  // namespace
}  // namespace bosun::manifest
