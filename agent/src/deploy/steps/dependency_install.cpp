#include "deploy/steps/dependency_install.hpp"

#include <filesystem>
#include <fstream>

#include "bosun/common/duration.hpp"
#include "bosun/common/text.hpp"
#include "release/hand_over.hpp"
#include "sys/file_digest.hpp"

namespace bosun::agent::deploy::steps {

namespace {

namespace fs = std::filesystem;

// Runs one install command, logged like a build command, within what is left of the build.
InstallOutcome run_install(const std::vector<std::string>& argv,
                           const std::map<std::string, std::string>& env, const InstallSite& site,
                           const std::string& done) {
  const std::string written = join(argv, " ");
  InstallOutcome outcome;
  outcome.last = run_build_command(argv, written, env, site);
  outcome.succeeded = outcome.last.succeeded();
  if (!outcome.succeeded) {
    outcome.failed = written;
  } else {
    outcome.done = done;
  }
  return outcome;
}

std::string lockfile_digest(const fs::path& release) {
  try {
    return sys::digest_file((release / "package-lock.json").string()).sha256;
  } catch (const std::runtime_error&) {
    return "";
  }
}

std::string read_marker(const fs::path& node_modules) {
  std::ifstream in(node_modules / k_lockfile_marker);
  std::string digest;
  in >> digest;
  return digest;
}

// node_modules of `from` into `to` as hard links (the same files, no copy), without its
// .cache (tools rewrite their caches in place, which would reach the live release through a
// shared file); false when that cannot be done (another filesystem), leaving nothing half made.
bool link_tree(const fs::path& from, const fs::path& to) {
  std::error_code error;
  fs::create_directories(to, error);
  // Folders with the modes npm gave them, not the agent's umask (077): the service reads them.
  fs::permissions(to, fs::status(from, error).permissions(), error);
  for (fs::recursive_directory_iterator it(from, fs::directory_options::none, error), end;
       !error && it != end; it.increment(error)) {
    // Lexically: fs::relative() would resolve .bin's symlinks to what they point at.
    const fs::path target = to / it->path().lexically_relative(from);
    if (it->path().filename() == ".cache" && it.depth() == 0) {
      it.disable_recursion_pending();
    } else if (it->is_symlink()) {
      fs::copy_symlink(it->path(), target, error);
    } else if (it->is_directory()) {
      fs::create_directory(target, error);
      if (!error) {
        fs::permissions(target, it->status().permissions(), error);
      }
    } else {
      fs::create_hard_link(it->path(), target, error);
    }
    if (error) {
      break;  // increment() would clear it
    }
  }
  if (error) {
    fs::remove_all(to, error);
    return false;
  }
  return true;
}

}  // namespace

StepCommandResult run_build_command(const std::vector<std::string>& argv,
                                    const std::string& written,
                                    const std::map<std::string, std::string>& env,
                                    const InstallSite& site) {
  std::ofstream(site.log_path, std::ios::app) << "$ " << written << "\n";
  const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
      site.deadline - std::chrono::steady_clock::now());
  StepCommand command{argv,
                      env,
                      site.release_dir,
                      site.log_path,
                      std::max(left, std::chrono::milliseconds(1)),
                      site.pid_record};
  command.user = site.user;
  const StepCommandResult result = run_step_command(command);
  if (!result.succeeded()) {
    std::ofstream(site.log_path, std::ios::app) << "bosun: " << result.describe() << "\n";
  }
  return result;
}

InstallOutcome install_python(const manifest::PythonBuild& python, const InstallSite& site) {
  const fs::path release = site.release_dir;
  const std::string venv = (release / python.venv).string();
  std::vector<std::string> create{python.interpreter, "-m", "venv"};
  if (python.system_site_packages) {
    create.push_back("--system-site-packages");
  }
  create.push_back(venv);
  InstallOutcome made = run_install(create, site.env, site, "");
  if (!made.succeeded || !fs::exists(release / python.requirements)) {
    made.done =
        made.succeeded ? "python venv " + python.venv + " (no " + python.requirements + ")" : "";
    return made;
  }
  std::map<std::string, std::string> env = site.env;
  env["PIP_CACHE_DIR"] = (fs::path(site.cache_dir) / "pip").string();
  env["PIP_DISABLE_PIP_VERSION_CHECK"] = "1";
  env["VIRTUAL_ENV"] = venv;
  return run_install({venv + "/bin/python", "-m", "pip", "install", "-r", python.requirements}, env,
                     site,
                     "python venv " + python.venv + ", pip install -r " + python.requirements +
                         " (cache " + env["PIP_CACHE_DIR"] + ")");
}

InstallOutcome install_node(const manifest::NodeBuild& node, const InstallSite& site) {
  const fs::path release = site.release_dir;
  const std::string lock = lockfile_digest(release);
  const fs::path previous = site.previous_dir.empty() ? fs::path() : fs::path(site.previous_dir);
  std::string why = "no live release to reuse node_modules from";
  if (!previous.empty() && !fs::exists(previous / "node_modules")) {
    why = "the live release has no node_modules";
  } else if (!previous.empty() && read_marker(previous / "node_modules") != lock) {
    why = lock.empty() ? "no package-lock.json" : "package-lock.json changed";
  } else if (!previous.empty() && !fs::exists(release / "node_modules")) {
    const auto start = std::chrono::steady_clock::now();
    if (link_tree(previous / "node_modules", release / "node_modules")) {
      release::hand_over_to_user(release / "node_modules", site.user);  // its folders are new
      const auto took = std::chrono::duration_cast<std::chrono::milliseconds>(
          std::chrono::steady_clock::now() - start);
      InstallOutcome outcome;
      outcome.succeeded = true;
      outcome.done = "node_modules reused from " + previous.filename().string() +
                     " (package-lock.json unchanged, sha256 " + lock.substr(0, 12) +
                     "…; hard links, " + format_duration(took) + ")";
      std::ofstream(site.log_path, std::ios::app) << "bosun: " << outcome.done << "\n";
      return outcome;
    }
    why = "node_modules could not be linked from the live release";
  }
  std::map<std::string, std::string> env = site.env;
  env["npm_config_cache"] = (fs::path(site.cache_dir) / "npm").string();
  env["npm_config_update_notifier"] = "false";
  InstallOutcome installed =
      run_install({"npm", node.install, "--no-audit", "--no-fund", "--prefer-offline"}, env, site,
                  "npm " + node.install + " (" + why + "; cache " + env["npm_config_cache"] + ")");
  if (installed.succeeded && !lock.empty() && fs::exists(release / "node_modules")) {
    std::ofstream(release / "node_modules" / k_lockfile_marker) << lock << "\n";
  }
  return installed;
}

}  // namespace bosun::agent::deploy::steps
