// The zero-downtime benchmark: for each app server (uvicorn, gunicorn, node, `next start`) and
// each deploy mode (restart, handoff, proxy), v1 is deployed through the real bosun-agent,
// then a load loop (one new connection per request, on the port users reach: the app's own,
// or nginx's in proxy mode) runs through a deploy of v2, a rollback to v1 and a failed deploy
// (a release that fails at start; for Next.js, one that fails `next build`). Each event's row:
// failed / total requests, p50 and p99 latency from the event's start to the next one against
// the steady window before the first, and the time from the command to the new code serving.
//
// Usage: zero_downtime_bench [SERVER...]   (default: uvicorn gunicorn node next)
// Run by bench/zero-downtime/run.sh, which builds it; results in docs/BENCHMARKS.md.

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <iomanip>
#include <iostream>
#include <sstream>
#include <thread>

#include "agent_fixture.hpp"
#include "child_process.hpp"
#include "git_repo.hpp"
#include "load_loop.hpp"
#include "stack_example.hpp"

namespace bosun::test {
namespace {

using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;
using std::chrono::seconds;

struct Server {
  std::string name;
  std::string on_socket;  // the command on the agent's socket ("" : it cannot take one)
  std::string own_port;   // the command binding {port} itself
  std::string ready_log;  // the new instance's line once it serves (handoff)
  std::string version_path = "/version";
  bool next = false;  // the Next.js example, built per release
};

const std::vector<Server>& servers() {
  static const std::vector<Server> all{
      {"uvicorn",
       "[/usr/bin/python3, -m, uvicorn, asgi:app, --fd, \"${listen_fd}\", --no-access-log]",
       "[/usr/bin/python3, -m, uvicorn, asgi:app, --port, \"{port}\", --no-access-log]",
       "Uvicorn running on"},
      {"gunicorn", "[/usr/bin/python3, -m, gunicorn, --preload, --workers, \"2\", wsgi:app]",
       "[/usr/bin/python3, -m, gunicorn, --preload, --workers, \"2\", --bind, "
       "\"127.0.0.1:{port}\", wsgi:app]",
       "Listening at:"},
      {"node", "[node, server.js]", "[node, server.js]", "listening, version"},
      {"next", "", "[node_modules/.bin/next, start, --port, \"{port}\", --hostname, 127.0.0.1]", "",
       "/api/version", true},
  };
  return all;
}

std::string read_file(const std::string& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

std::string replace(std::string text, const std::string& from, const std::string& to) {
  for (std::size_t at = text.find(from); at != std::string::npos; at = text.find(from, at)) {
    text.replace(at, from.size(), to);
    at += to.size();
  }
  return text;
}

struct Event {
  std::string name;
  std::string target;  // the version that should serve after it ("" : the one before)
  Clock::time_point start;
  Clock::time_point end;
  int exit_code = 0;
};

double percentile(std::vector<double> values, double p) {
  if (values.empty()) {
    return 0;
  }
  std::sort(values.begin(), values.end());
  const auto index = static_cast<std::size_t>(p * static_cast<double>(values.size() - 1) + 0.5);
  return values[std::min(index, values.size() - 1)];
}

std::string ms(double value) {
  std::ostringstream out;
  out << std::fixed << std::setprecision(value < 10 ? 2 : 1) << value;
  return out.str();
}

class Run {
 public:
  Run(const Server& server, std::string mode) : m_server(server), m_mode(std::move(mode)) {}

  // Prints one row per event, or one saying why the mode does not apply.
  void measure() {
    if (m_mode == "handoff" && m_server.on_socket.empty()) {
      row("all", "n/a: `next start` cannot take a socket; use proxy", "", "", "");
      return;
    }
    prepare_repo();
    const std::string v1 = commit("v1", false);
    const std::string v2 = commit("v2", false);
    const std::string v3 = commit("v3", true);
    m_agent.start_agent({"--repo", repo().path(), "--host", "127.0.0.1"});
    if (cli({"deploy", "--commit", v1}).code != 0 || !wait_serving("v1")) {
      row("all", "v1 did not deploy", "", "", "");
      return;
    }
    LoadLoop load(front(), m_server.version_path, seconds(5));
    std::this_thread::sleep_for(seconds(2));  // the steady window
    const Clock::time_point steady_end = Clock::now();
    std::vector<Event> events;
    events.push_back(timed("deploy", "v2", {"deploy", "--commit", v2}));
    events.push_back(timed("rollback", "v1", {"rollback"}));
    events.push_back(timed("failed deploy", "", {"deploy", "--commit", v3}));
    std::this_thread::sleep_for(seconds(1));
    const std::vector<LoadSample> samples = load.stop();
    m_agent.cli({"stop-all", "--root", m_agent.root()}, seconds(60));

    std::vector<double> steady;
    for (const LoadSample& s : samples) {
      if (s.ok && s.began < steady_end) {
        steady.push_back(s.latency_ms);
      }
    }
    const std::string steady_text =
        ms(percentile(steady, 0.5)) + " / " + ms(percentile(steady, 0.99));
    for (std::size_t i = 0; i < events.size(); ++i) {
      const Event& event = events[i];
      const Clock::time_point until =
          i + 1 < events.size() ? events[i + 1].start : samples.back().began;
      int total = 0;
      int failed = 0;
      std::vector<double> latencies;
      std::optional<Clock::time_point> new_code;
      for (const LoadSample& s : samples) {
        if (s.began < event.start || s.began > until) {
          continue;
        }
        ++total;
        failed += s.ok ? 0 : 1;
        if (s.ok) {
          latencies.push_back(s.latency_ms);
        }
        if (!new_code && s.ok && !event.target.empty() && s.version == event.target) {
          new_code = s.began;
        }
      }
      const std::string to_new =
          event.target.empty() ? "(old code kept: exit " + std::to_string(event.exit_code) + ")"
          : new_code
              ? ms(std::chrono::duration<double, std::milli>(*new_code - event.start).count()) +
                    " ms"
              : "never";
      row(event.name, std::to_string(failed) + " / " + std::to_string(total),
          ms(percentile(latencies, 0.5)) + " / " + ms(percentile(latencies, 0.99)), steady_text,
          to_new);
    }
  }

 private:
  GitRepo& repo() { return m_example ? m_example->repo() : m_repo; }
  unsigned short front() const { return m_mode == "proxy" ? m_front : m_port; }

  void prepare_repo() {
    if (m_server.next) {
      m_example = std::make_unique<StackExample>("nextjs", m_source.path() + "/storefront");
      m_example->commit("v1");  // the example's files; app.yaml is replaced below
      return;
    }
    const std::string dir =
        std::string(BOSUN_SOURCE_DIR) + "/tests/apps/zero-downtime/" + m_server.name;
    for (const auto& entry : std::filesystem::directory_iterator(dir)) {
      m_repo.write(entry.path().filename().string(), read_file(entry.path().string()));
    }
  }

  std::string service_lines() const {
    const std::string port = std::to_string(m_port);
    if (m_mode == "handoff") {
      return "    command: " + m_server.on_socket + "\n    listen: 127.0.0.1:" + port +
             "\n    deploy: handoff\n    ready: {log: \"" + m_server.ready_log +
             "\", timeout: 60s}\n";
    }
    if (m_mode == "restart") {
      return "    command: " + replace(m_server.own_port, "{port}", port) + "\n    env: {PORT: \"" +
             port + "\"}\n    deploy: restart\n    ready: {http: 'http://127.0.0.1:" + port +
             m_server.version_path + "', timeout: 60s}\n";
    }
    const std::string conf = "${shared}/nginx/nginx.conf";
    return "    command: " + replace(m_server.own_port, "{port}", "${port}") +
           "\n    env: {PORT: \"${port}\"}\n    depends_on: [nginx]\n    deploy: proxy\n"
           "    proxy:\n      ports: " +
           std::to_string(m_first_port) + "-" + std::to_string(m_first_port + 9) +
           "\n      test: [/usr/sbin/nginx, -t, -q, -c, '" + conf +
           "']\n      reload: [/usr/sbin/nginx, -s, reload, -c, '" + conf +
           "']\n      pid_file: '${shared}/nginx/nginx.pid'\n"
           "    ready: {http: 'http://127.0.0.1:${port}" +
           m_server.version_path + "', timeout: 60s}\n";
  }

  std::string manifest() const {
    std::string text = "app: bench\nrepo: " + m_repo_path() + "\n";
    if (m_server.next) {
      text +=
          "env: {NODE_ENV: production, NEXT_TELEMETRY_DISABLED: \"1\"}\n"
          "build:\n  node: ci\n  commands:\n    - [node_modules/.bin/next, build]\n"
          "  timeout: 10m\n";
    }
    text += "services:\n";
    if (m_mode == "proxy") {
      text += "  nginx:\n    command: [" + std::string(BOSUN_AGENT_BIN) +
              ", nginx-server, --dir, '${shared}/nginx', --listen, '127.0.0.1:" +
              std::to_string(m_front) +
              "', --upstream, bench_web, --upstream-file, '${shared}/proxy/upstreams/web.conf']\n"
              "    cwd: ${shared}\n    ready: {tcp: " +
              std::to_string(m_front) + ", timeout: 20s}\n    stop: {signal: QUIT, timeout: 20s}\n";
    }
    text += "  web:\n" + service_lines() +
            "    stop: {signal: TERM, timeout: 20s}\n"
            "    restart: {backoff: {initial: 200ms, max: 1s}}\n"
            "verify:\n  window: 1s\n";
    return text;
  }

  std::string m_repo_path() const { return m_example ? m_example->repo().path() : m_repo.path(); }

  std::string commit(const std::string& version, bool broken) {
    GitRepo& git = repo();
    if (m_server.next && broken) {
      // tests/stacks/nextjs/v3: a page that does not compile; `next build` fails.
      return m_example->commit("v3");
    }
    git.write("VERSION", version + "\n");
    if (broken) {
      git.write("BROKEN", "this release fails at start\n");
    } else {
      std::filesystem::remove(git.path() + "/BROKEN");
    }
    git.write("app.yaml", manifest());
    return git.commit_all(version);
  }

  CliRun cli(std::vector<std::string> args) {
    args.insert(args.begin() + 1, {"--root", m_agent.root(), "--json", "--who", "bench"});
    return m_agent.cli_while_progressing(args);
  }

  Event timed(const std::string& name, const std::string& target,
              const std::vector<std::string>& args) {
    Event event{name, target, Clock::now(), {}, 0};
    event.exit_code = cli(args).code;
    event.end = Clock::now();
    std::this_thread::sleep_for(seconds(1));
    return event;
  }

  bool wait_serving(const std::string& version) {
    const auto deadline = Clock::now() + seconds(30);
    while (Clock::now() < deadline) {
      if (request_once(front(), m_server.version_path, seconds(2)).version == version) {
        return true;
      }
      std::this_thread::sleep_for(milliseconds(100));
    }
    return false;
  }

  void row(const std::string& event, const std::string& failed, const std::string& switch_ms,
           const std::string& steady_ms, const std::string& to_new) {
    std::cout << "| " << m_server.name << " | " << m_mode << " | " << event << " | " << failed
              << " | " << switch_ms << " | " << steady_ms << " | " << to_new << " |" << std::endl;
  }

  const Server& m_server;
  std::string m_mode;
  AgentSandbox m_agent;
  TempDir m_source;
  GitRepo m_repo{m_source.path() + "/app"};
  std::unique_ptr<StackExample> m_example;
  unsigned short m_port = free_port();
  unsigned short m_front = free_port();
  unsigned short m_first_port = free_port();
};

}  // namespace
}  // namespace bosun::test

int main(int argc, char** argv) {
  using bosun::test::servers;
  std::vector<std::string> wanted(argv + 1, argv + argc);
  std::cout << "| server | mode | event | failed / total | p50 / p99 ms (switch) | p50 / p99 ms "
               "(steady) | deploy to new code |\n|---|---|---|---|---|---|---|"
            << std::endl;
  for (const auto& server : servers()) {
    if (!wanted.empty() && std::find(wanted.begin(), wanted.end(), server.name) == wanted.end()) {
      continue;
    }
    for (const std::string mode : {"restart", "handoff", "proxy"}) {
      try {
        bosun::test::Run(server, mode).measure();
      } catch (const std::exception& error) {
        std::cout << "| " << server.name << " | " << mode << " | all | error: " << error.what()
                  << " | | | |" << std::endl;
      }
    }
  }
  return 0;
}
