#include "agent_fixture.hpp"

#include <signal.h>
#include <sys/wait.h>

#include <filesystem>
#include <fstream>
#include <stdexcept>

#include <Poco/JSON/Array.h>
#include <Poco/JSON/Parser.h>

#include "agent_namespaces.hpp"
#include "api/api_client.hpp"

namespace bosun::test {

AgentSandbox::AgentSandbox() = default;

AgentSandbox::~AgentSandbox() {
  if (m_agent && m_agent->running()) {
    try {
      agent::call_agent(socket(), "POST", "/v1/stop-all");
      m_agent->wait(std::chrono::seconds(15));
    } catch (const std::exception&) {
      // fall through to the records below
    }
  }
  std::error_code ignored;
  for (const auto& entry : std::filesystem::directory_iterator(root() + "/run", ignored)) {
    std::ifstream in(entry.path());
    int pid = 0;
    if (in >> pid && pid > 1) {
      ::kill(-pid, SIGKILL);
    }
  }
}

void AgentSandbox::write_manifest(const std::string& yaml) const {
  std::ofstream(manifest_path()) << yaml;
}

void AgentSandbox::write_env_file(const std::string& text) const {
  std::filesystem::create_directories(root() + "/shared");
  std::ofstream(root() + "/shared/.env") << text;
}

void AgentSandbox::start_agent(const std::vector<std::string>& run_args) {
  std::vector<std::string> argv{BOSUN_AGENT_BIN, "run", "--root", root()};
  if (run_args.empty()) {
    argv.insert(argv.end(), {"-c", manifest_path()});
  }
  argv.insert(argv.end(), run_args.begin(), run_args.end());
  std::vector<std::string> env{"HOME=" + root(), "LANG=C.UTF-8"};
  env.insert(env.end(), agent_env.begin(), agent_env.end());
  m_agent = std::make_unique<ChildProcess>(
      ProcessOptions{argv, env, root(), root() + "/agent-" + std::to_string(m_runs++) + ".out"});
  const bool up = wait_until(
      [&] {
        try {
          return agent::call_agent(socket(), "GET", "/v1/status").status == 200;
        } catch (const std::exception&) {
          return false;
        }
      },
      std::chrono::seconds(10));
  if (!up) {
    throw std::runtime_error("bosun-agent did not come up: " + m_agent->output());
  }
}

void AgentSandbox::kill_agent() {
  m_agent->signal(SIGKILL);
  m_agent->wait(std::chrono::seconds(10));
}

Poco::JSON::Object::Ptr AgentSandbox::status() {
  const auto response = agent::call_agent(socket(), "GET", "/v1/status");
  Poco::JSON::Parser parser;
  return parser.parse(response.body).extract<Poco::JSON::Object::Ptr>();
}

Poco::JSON::Object::Ptr AgentSandbox::service(const std::string& name) {
  const auto services = status()->getArray("services");
  for (std::size_t i = 0; i < services->size(); ++i) {
    const auto entry = services->getObject(static_cast<unsigned>(i));
    if (entry->getValue<std::string>("name") == name) {
      return entry;
    }
  }
  throw std::runtime_error("no service " + name);
}

std::string AgentSandbox::state_of(const std::string& name) {
  return service(name)->getValue<std::string>("state");
}

int AgentSandbox::pid_of(const std::string& name) {
  const auto entry = service(name);
  return entry->isNull("pid") ? -1 : entry->getValue<int>("pid");
}

bool AgentSandbox::wait_for_state(const std::string& name, const std::string& state,
                                  std::chrono::milliseconds timeout) {
  return wait_until([&] { return state_of(name) == state; }, timeout);
}

std::vector<std::map<std::string, std::string>> AgentSandbox::events() {
  const auto response = agent::call_agent(socket(), "GET", "/v1/events?since=0&limit=10000");
  Poco::JSON::Parser parser;
  const auto list =
      parser.parse(response.body).extract<Poco::JSON::Object::Ptr>()->getArray("events");
  std::vector<std::map<std::string, std::string>> events;
  for (std::size_t i = 0; i < list->size(); ++i) {
    const auto entry = list->getObject(static_cast<unsigned>(i));
    events.push_back({{"service", entry->getValue<std::string>("service")},
                      {"kind", entry->getValue<std::string>("kind")},
                      {"detail", entry->getValue<std::string>("detail")}});
  }
  return events;
}

int AgentSandbox::event_index(const std::string& service, const std::string& kind) {
  const auto all = events();
  for (std::size_t i = 0; i < all.size(); ++i) {
    if (all[i].at("service") == service && all[i].at("kind") == kind) {
      return static_cast<int>(i);
    }
  }
  return -1;
}

CliRun AgentSandbox::cli(const std::vector<std::string>& args,
                         std::chrono::milliseconds timeout) const {
  std::vector<std::string> argv{BOSUN_AGENT_BIN};
  argv.insert(argv.end(), args.begin(), args.end());
  const std::string log = root() + "/cli.out";
  std::filesystem::remove(log);
  ChildProcess process({argv, {}, root(), log});
  const auto status = process.wait(timeout);
  return {status && WIFEXITED(*status) ? WEXITSTATUS(*status) : -1, process.output()};
}

CliRun AgentSandbox::cli_while_progressing(const std::vector<std::string>& args,
                                           std::chrono::milliseconds idle,
                                           std::chrono::milliseconds cap) const {
  std::vector<std::string> argv{BOSUN_AGENT_BIN};
  argv.insert(argv.end(), args.begin(), args.end());
  const std::string log = root() + "/cli.out";
  std::filesystem::remove(log);
  ChildProcess process({argv, {}, root(), log});
  // Progress: bytes written by the command and into the logs (a compiler's output included).
  const auto written = [&] {
    std::uintmax_t total = process.output().size();
    std::error_code error;
    for (auto entry = std::filesystem::recursive_directory_iterator(root() + "/shared/logs", error);
         !error && entry != std::filesystem::recursive_directory_iterator();
         entry.increment(error)) {
      std::error_code size_error;
      const auto size = entry->is_regular_file(size_error) ? entry->file_size(size_error) : 0;
      total += size_error ? 0 : size;
    }
    return total;
  };
  const auto started = std::chrono::steady_clock::now();
  auto last_progress = started;
  std::uintmax_t seen = written();
  while (true) {
    if (const auto status = process.wait(std::chrono::seconds(1))) {
      return {WIFEXITED(*status) ? WEXITSTATUS(*status) : -1, process.output()};
    }
    const auto now = std::chrono::steady_clock::now();
    if (const std::uintmax_t bytes = written(); bytes != seen) {
      seen = bytes;
      last_progress = now;
    }
    if (now - last_progress > idle || now - started > cap) {
      return {
          -1,
          process.output() + "\n(no progress for " +
              std::to_string(
                  std::chrono::duration_cast<std::chrono::seconds>(now - last_progress).count()) +
              " s: given up)"};
    }
  }
}

}  // namespace bosun::test
