#pragma once
// What every controller command starts from: the global options (-c/--config, -d/--stage,
// --hosts, --json, -v, --no-color, --accept-new-host-keys), the manifest they point at, the
// target hosts and a session per host.

#include <map>
#include <optional>
#include <ostream>
#include <string>
#include <vector>

#include "bosun/common/cli.hpp"
#include "bosun/manifest/model.hpp"
#include "host/host_session.hpp"

namespace bosun::controller::cli {

struct GlobalOptions {
  std::string config = "app.yaml";
  std::string stage;
  std::string hosts;  // comma-separated
  bool json = false;
  bool no_color = false;
  int verbose = 0;
  bool accept_new_host_keys = false;
  std::string ssh_config;   // the user's own, over the manifest's
  std::string known_hosts;  // the user's own, over the manifest's
  bool trust_manifest_ssh = false;

  void add_to(bosun::cli::ArgParser& parser);
};

class ControllerContext {
 public:
  // Loads the manifest and resolves the hosts; on failure prints why (naming the file and
  // place) and returns nullopt.
  static std::optional<ControllerContext> open(const GlobalOptions& options,
                                               const std::string& command, std::ostream& err);

  const manifest::Manifest& manifest() const { return m_manifest; }
  const GlobalOptions& options() const { return m_options; }
  std::vector<host::HostSession>& hosts() { return m_hosts; }
  std::string stage_name() const;
  // Where .bosun/ lives: beside the manifest.
  std::string project_dir() const;
  // .bosun/secrets (NAME=value lines; values never printed; no file: none). nullopt after
  // saying which line of it is malformed.
  std::optional<std::map<std::string, std::string>> read_secrets(const std::string& command,
                                                                 std::ostream& err) const;
  // "alice@laptop": who is recorded in locks and histories ($BOSUN_WHO overrides).
  static std::string who();

 private:
  GlobalOptions m_options;
  manifest::Manifest m_manifest;
  std::vector<host::HostSession> m_hosts;
};

std::vector<std::string> split_list(const std::string& text);

}  // namespace bosun::controller::cli
