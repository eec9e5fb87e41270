#pragma once
// Where things live under an app's root on a host (DESIGN.md "Host layout").

#include <filesystem>
#include <string>

namespace bosun::agent {

struct HostLayout {
  std::filesystem::path root;

  std::filesystem::path shared() const { return root / "shared"; }
  std::filesystem::path logs() const { return shared() / "logs"; }
  std::filesystem::path env_file() const { return shared() / ".env"; }
  std::filesystem::path run_dir() const { return root / "run"; }  // adoption records
  std::filesystem::path current() const { return root / "current"; }
  std::filesystem::path state_db() const { return root / "state.db"; }
  std::filesystem::path default_socket() const { return root / "agent.sock"; }
  std::filesystem::path log_of(const std::string& service) const {
    return logs() / (service + ".log");
  }

  // Creates root, shared/logs and run/ when missing.
  void create() const;
};

}  // namespace bosun::agent
