#include "container/container_run.hpp"

#include <fcntl.h>
#include <signal.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>

#include "bosun/common/exit_codes.hpp"
#include "bosun/common/fd_io.hpp"
#include "container/container_names.hpp"

namespace bosun::agent::container {
namespace {

struct Options {
  std::string engine;
  std::string prefix;
  std::string env_file;
  std::vector<std::string> env_names;
  std::vector<std::string> run_options;  // after "--"
};

bool parse(const std::vector<std::string>& args, Options& options, std::string& error) {
  std::size_t i = 0;
  for (; i < args.size() && args[i] != "--"; ++i) {
    const std::string& flag = args[i];
    if (i + 1 >= args.size()) {
      error = flag + " needs a value";
      return false;
    }
    const std::string& value = args[++i];
    if (flag == "--engine") {
      options.engine = value;
    } else if (flag == "--prefix") {
      options.prefix = value;
    } else if (flag == "--env-file") {
      options.env_file = value;
    } else if (flag == "--env") {
      options.env_names.push_back(value);
    } else {
      error = "unknown option " + flag;
      return false;
    }
  }
  if (options.engine != "docker" && options.engine != "podman") {
    error = "--engine is docker or podman";
    return false;
  }
  if (options.prefix.empty() || options.env_file.empty() || i >= args.size()) {
    error = "needs --prefix, --env-file and -- RUN-OPTIONS IMAGE";
    return false;
  }
  options.run_options.assign(args.begin() + static_cast<std::ptrdiff_t>(i) + 1, args.end());
  if (options.run_options.empty()) {
    error = "no image after --";
    return false;
  }
  return true;
}

// Containers of this service whose instance is gone (its CLI was killed while the container
// ran on): removed, so that nothing runs that no agent knows of. The names are bosun's own
// ([a-z0-9-]), so the shell sees nothing to interpret.
void remove_leftovers(const Options& options) {
  const std::string list = options.engine + " ps -a --filter label=" + k_service_label + "=" +
                           options.prefix + " --format '{{.Names}}' 2>/dev/null";
  FILE* names = ::popen(list.c_str(), "r");
  if (names == nullptr) {
    return;
  }
  char line[256];
  std::vector<std::string> gone;
  while (std::fgets(line, sizeof line, names) != nullptr) {
    std::string name(line);
    while (!name.empty() && (name.back() == '\n' || name.back() == '\r')) {
      name.pop_back();
    }
    const std::size_t dash = name.rfind('-');
    const long pid = dash == std::string::npos ? 0 : std::atol(name.c_str() + dash + 1);
    if (name.starts_with(options.prefix + "-") && pid > 0 &&
        ::kill(static_cast<pid_t>(pid), 0) != 0 && errno == ESRCH) {
      gone.push_back(name);
    }
  }
  ::pclose(names);
  for (const std::string& name : gone) {
    const std::string remove = options.engine + " rm -f " + name + " >/dev/null 2>&1";
    (void)std::system(remove.c_str());
  }
}

// FILE.PID of instances that are gone: removed (each instance has its own, so that two
// starting at once never read each other's).
void remove_stale_env_files(const std::string& env_file) {
  const std::filesystem::path path(env_file);
  const std::string stem = path.filename().string() + ".";
  std::error_code error;
  for (const auto& entry : std::filesystem::directory_iterator(path.parent_path(), error)) {
    const std::string name = entry.path().filename().string();
    const long pid = name.starts_with(stem) ? std::atol(name.c_str() + stem.size()) : 0;
    if (pid > 0 && ::kill(static_cast<pid_t>(pid), 0) != 0 && errno == ESRCH) {
      std::filesystem::remove(entry.path(), error);
    }
  }
}

// NAME=value lines, 0600; a value with a newline cannot be written there and goes by -e NAME
// (the engine reads it from this process's environment).
bool write_env_file(const Options& options, std::vector<std::string>& by_environment,
                    std::string& error) {
  const int fd =
      ::open(options.env_file.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0600);
  if (fd < 0) {
    error = "cannot write " + options.env_file + ": " + std::strerror(errno);
    return false;
  }
  std::string text;
  for (const std::string& name : options.env_names) {
    const char* value = std::getenv(name.c_str());
    if (value == nullptr) {
      continue;
    }
    if (std::strchr(value, '\n') != nullptr) {
      by_environment.push_back(name);
    } else {
      text += name + "=" + value + "\n";
    }
  }
  const bool written = write_all(fd, text);
  ::close(fd);
  if (!written) {
    error = "cannot write " + options.env_file;
  }
  return written;
}

}  // namespace

int container_run_command(const std::vector<std::string>& args, std::ostream& out,
                          std::ostream& err) {
  if (!args.empty() && (args[0] == "--help" || args[0] == "-h")) {
    out << "usage: bosun-agent container-run --engine docker|podman --prefix PREFIX --env-file "
           "FILE [--env NAME]... -- RUN-OPTIONS... IMAGE [ARGS...]\n\n"
           "Used by the agent for a service with container: in its manifest: runs the "
           "container in the foreground as PREFIX-PID, with the named variables of this "
           "process's environment written to FILE (0600) for the engine.\n";
    return exit_code::k_ok;
  }
  Options options;
  std::string error;
  if (!parse(args, options, error)) {
    err << "bosun-agent container-run: " << error << "\n";
    return exit_code::k_invalid_input;
  }
  remove_leftovers(options);
  remove_stale_env_files(options.env_file);
  options.env_file += "." + std::to_string(::getpid());  // this instance's own
  std::vector<std::string> by_environment;
  if (!write_env_file(options, by_environment, error)) {
    err << "bosun-agent container-run: " << error << "\n";
    return exit_code::k_failed;
  }
  std::vector<std::string> argv{options.engine,
                                "run",
                                "--rm",
                                "--name",
                                container_name(options.prefix, ::getpid()),
                                "--label",
                                std::string(k_service_label) + "=" + options.prefix,
                                "--env-file",
                                options.env_file};
  for (const std::string& name : by_environment) {
    argv.insert(argv.end(), {"-e", name});
  }
  argv.insert(argv.end(), options.run_options.begin(), options.run_options.end());
  std::vector<char*> pointers;
  for (std::string& arg : argv) {
    pointers.push_back(arg.data());
  }
  pointers.push_back(nullptr);
  out.flush();
  ::execvp(pointers[0], pointers.data());
  err << "bosun-agent container-run: cannot run " << options.engine << ": " << std::strerror(errno)
      << "\n";
  return 127;
}

}  // namespace bosun::agent::container
