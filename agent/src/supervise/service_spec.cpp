#include "supervise/service_spec.hpp"

#include <algorithm>
#include <filesystem>
#include <set>
#include <stdexcept>

#include "bosun/common/text.hpp"
#include "bosun/manifest/command_expansion.hpp"
#include "bosun/manifest/variables.hpp"
#include "container/container_command.hpp"
#include "container/container_names.hpp"

namespace bosun::agent::supervise {
namespace {

class Expander {
 public:
  Expander(std::map<std::string, std::string> values, std::string service)
      : m_values(std::move(values)), m_service(std::move(service)) {}

  std::string operator()(const std::string& text) const {
    auto expanded = manifest::expand_variables(text, m_values);
    if (!expanded) {
      throw std::runtime_error("service " + m_service + ": " + expanded.error() + " in " +
                               quote_for_message(text));
    }
    return *expanded;
  }

  template <typename T>
  T must(tl::expected<T, std::string> expanded) const {
    if (!expanded) {
      throw std::runtime_error("service " + m_service + ": " + expanded.error());
    }
    return std::move(*expanded);
  }

  std::vector<std::string> argv(const manifest::Command& command) const {
    return must(manifest::expand_command(command, m_values));
  }

  manifest::CheckSpec check(manifest::CheckSpec spec) const {
    return must(manifest::expand_check(std::move(spec), m_values));
  }

 private:
  std::map<std::string, std::string> m_values;
  std::string m_service;
};

// The bosun-agent binary this process runs (a container service's argv starts with it); read
// once, not at every resolve.
const std::string& own_program() {
  static const std::string program = [] {
    std::error_code error;
    const std::filesystem::path self = std::filesystem::read_symlink("/proc/self/exe", error);
    return error ? std::string("bosun-agent") : self.string();
  }();
  return program;
}

// A container service's command line, its variables' values left to its environment.
void make_container(const manifest::Manifest& manifest, const manifest::Service& service,
                    const ResolveInputs& inputs, const Expander& expand, ServiceSpec& spec) {
  const manifest::ContainerSpec& container = *service.container;
  container::ContainerRun run;
  run.agent_program = own_program();
  run.prefix = container::service_prefix(manifest.app, service.name);
  run.image = container.build ? container::built_image(
                                    manifest.app, service.name,
                                    std::filesystem::path(inputs.release_dir).filename().string())
                              : expand(container.image);
  run.env_file = (inputs.layout.run_dir() / (service.name + ".container.env")).string();
  std::set<std::string> names;
  for (const manifest::EnvVar& var : manifest.env) {
    names.insert(var.name);
  }
  for (const auto& [name, value] : inputs.dotenv) {
    names.insert(name);
  }
  for (const manifest::EnvVar& var : service.env) {
    names.insert(var.name);
  }
  run.env_names.assign(names.begin(), names.end());
  for (const std::string& volume : container.volumes) {
    run.volumes.push_back(expand(volume));
  }
  if (!service.command.argv.empty() || service.command.uses_shell()) {
    run.args = expand.argv(service.command);
  }
  run.user = service.user;
  spec.argv = container::container_argv(container, run);
  spec.user.clear();  // the engine's CLI runs as the agent; `user:` is the container's
  spec.container_engine = container.engine;
  spec.container_prefix = run.prefix;
}

}  // namespace

std::vector<std::string> ServiceSpec::env_list() const {
  std::vector<std::string> list;
  for (const auto& [variable, value] : env) {
    list.push_back(variable + "=" + value);
  }
  return list;
}

std::map<std::string, std::string> host_variables(const manifest::Manifest& manifest,
                                                  const ResolveInputs& inputs) {
  return {
      {"host", inputs.host},
      {"root", inputs.layout.root.string()},
      {"shared", inputs.layout.shared().string()},
      {"release", inputs.release_dir},
      {"app", manifest.app},
      {"stage", inputs.stage},
  };
}

std::map<std::string, std::string> resolve_app_env(const manifest::Manifest& manifest,
                                                   const ResolveInputs& inputs) {
  const Expander expand(host_variables(manifest, inputs), "environment");
  std::map<std::string, std::string> env = inputs.base_env;
  for (const manifest::EnvVar& var : manifest.env) {
    env[var.name] = expand(var.value);
  }
  for (const auto& [name, value] : inputs.dotenv) {
    env[name] = value;
  }
  return env;
}

std::vector<ServiceSpec> resolve_services(const manifest::Manifest& manifest,
                                          const ResolveInputs& inputs) {
  std::map<std::string, std::string> variables = host_variables(manifest, inputs);
  variables["pid"] = "${pid}";  // known per instance: the supervisor fills it in at each start
  std::vector<ServiceSpec> specs;
  for (const manifest::Service* service : manifest.start_order()) {
    std::map<std::string, std::string> values = variables;
    if (service->listen) {
      values["listen_fd"] = std::to_string(k_listen_fd);
    }
    if (service->proxy) {
      values["port"] = "${port}";  // each instance's own: filled in at its start
    }
    const Expander expand(values, service->name);
    ServiceSpec spec;
    spec.name = service->name;
    if (!service->container) {
      spec.argv = expand.argv(service->command);
    }
    spec.env = inputs.base_env;
    for (const manifest::EnvVar& var : manifest.env) {
      spec.env[var.name] = expand(var.value);
    }
    for (const auto& [name, value] : inputs.dotenv) {
      spec.env[name] = value;
    }
    for (const manifest::EnvVar& var : service->env) {
      spec.env[var.name] = expand(var.value);
    }
    // Expanded first: `cwd: ${shared}` is an absolute path, not one inside the release.
    const std::string cwd = expand(service->cwd);
    spec.cwd = cwd.empty()            ? inputs.release_dir
               : cwd.starts_with("/") ? cwd
                                      : inputs.release_dir + "/" + cwd;
    spec.log_path = inputs.layout.log_of(service->name).string();
    spec.depends_on = service->depends_on;
    if (service->ready) {
      spec.ready = *service->ready;
      spec.ready->check = expand.check(service->ready->check);
    }
    if (service->liveness) {
      spec.liveness = *service->liveness;
      spec.liveness->check = expand.check(service->liveness->check);
    }
    spec.restart = service->restart;
    spec.stop = service->stop;
    spec.logs = service->logs;
    spec.nofile = service->nofile;
    spec.user = service->user;
    if (service->container) {
      make_container(manifest, *service, inputs, expand, spec);
    }
    if (service->restart.crash_loop.on_crash_loop) {
      spec.on_crash_loop = expand.argv(*service->restart.crash_loop.on_crash_loop);
      spec.hook_user = manifest.steps_user();
    }
    spec.deploy = service->deploy;
    spec.listen = service->listen;
    spec.public_ = service->public_;
    if (service->proxy) {
      const manifest::ProxySpec& proxy = *service->proxy;
      ProxyPlan plan;
      plan.first_port = proxy.first_port;
      plan.last_port = proxy.last_port;
      plan.upstream =
          proxy.upstream.empty()
              ? (inputs.layout.shared() / "proxy" / "upstreams" / (service->name + ".conf"))
                    .string()
              : expand(proxy.upstream);
      plan.name = proxy.name;
      if (plan.name.empty()) {
        plan.name = manifest.app + "_" + service->name;
        std::replace(plan.name.begin(), plan.name.end(), '-', '_');
      }
      plan.test = expand.argv(proxy.test);
      plan.reload = expand.argv(proxy.reload);
      plan.drain_timeout = proxy.drain_timeout;
      plan.pid_file = expand(proxy.pid_file);
      plan.log_path = (inputs.layout.logs() / (service->name + ".proxy.log")).string();
      spec.proxy = plan;
    }
    if (spec.listen && spec.listen->name.empty()) {
      spec.listen->name = service->name;
    }
    specs.push_back(std::move(spec));
  }
  return specs;
}

namespace {

void replace_all(std::string& text, const std::string& placeholder, const std::string& value) {
  for (std::size_t at = text.find(placeholder); at != std::string::npos;
       at = text.find(placeholder, at + value.size())) {
    text.replace(at, placeholder.size(), value);
  }
}

}  // namespace

ServiceSpec with_port(ServiceSpec spec, std::uint16_t port) {
  const std::string value = std::to_string(port);
  for (std::string& word : spec.argv) {
    replace_all(word, "${port}", value);
  }
  for (auto& [name, text] : spec.env) {
    replace_all(text, "${port}", value);
  }
  return spec;
}

manifest::ProbeSpec probe_for_instance(manifest::ProbeSpec probe, int pid, std::uint16_t port) {
  const auto fill = [&](std::string& text) {
    replace_all(text, "${pid}", std::to_string(pid));
    if (port != 0) {
      replace_all(text, "${port}", std::to_string(port));
    }
  };
  if (auto* http = std::get_if<manifest::HttpCheck>(&probe.check.kind)) {
    fill(http->url);
    fill(http->body_contains);
  } else if (auto* log = std::get_if<manifest::LogCheck>(&probe.check.kind)) {
    fill(log->pattern);
  } else if (auto* exec = std::get_if<manifest::ExecCheck>(&probe.check.kind)) {
    for (std::string& word : exec->command.argv) {
      fill(word);
    }
    fill(exec->output_contains);
  }
  return probe;
}

}  // namespace bosun::agent::supervise
