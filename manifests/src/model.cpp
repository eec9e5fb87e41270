#include "bosun/manifest/model.hpp"

#include <algorithm>

namespace bosun::manifest {

std::string check_kind_name(const CheckKind& kind) {
  struct Namer {
    std::string operator()(const HttpCheck&) const { return "http"; }
    std::string operator()(const TcpCheck&) const { return "tcp"; }
    std::string operator()(const RedisCheck&) const { return "redis"; }
    std::string operator()(const LogCheck&) const { return "log"; }
    std::string operator()(const ExecCheck&) const { return "exec"; }
    std::string operator()(const SqliteCheck&) const { return "sqlite"; }
    std::string operator()(const PostgresCheck&) const { return "postgres"; }
    std::string operator()(const MysqlCheck&) const { return "mysql"; }
  };
  return std::visit(Namer{}, kind);
}

std::string deploy_mode_name(DeployMode mode) {
  switch (mode) {
    case DeployMode::restart:
      return "restart";
    case DeployMode::overlap:
      return "overlap";
    case DeployMode::handoff:
      return "handoff";
    case DeployMode::proxy:
      return "proxy";
  }
  return "restart";
}

std::string ListenSpec::address() const {
  const std::string shown = host.find(':') != std::string::npos ? "[" + host + "]" : host;
  return shown + ":" + std::to_string(port);
}

std::string Manifest::steps_user() const {
  if (!user.empty() || services.empty()) {
    return user;
  }
  const std::string& first = services.front().user;
  for (const Service& service : services) {
    if (service.user != first) {
      return "";
    }
  }
  return first;
}

const Service* Manifest::find_service(std::string_view name) const {
  for (const Service& service : services) {
    if (service.name == name) {
      return &service;
    }
  }
  return nullptr;
}

const Stage* Manifest::find_stage(std::string_view name) const {
  for (const Stage& stage : stages) {
    if (stage.name == name) {
      return &stage;
    }
  }
  return nullptr;
}

std::vector<const Service*> Manifest::start_order() const {
  // Repeatedly take the first service (in file order) whose dependencies are all placed.
  // Quadratic, but manifests have a handful of services; the loader has ruled out cycles.
  std::vector<const Service*> order;
  std::vector<bool> placed(services.size(), false);
  for (std::size_t round = 0; round < services.size(); ++round) {
    for (std::size_t i = 0; i < services.size(); ++i) {
      if (placed[i]) {
        continue;
      }
      const bool ready = std::all_of(
          services[i].depends_on.begin(), services[i].depends_on.end(),
          [&](const std::string& dependency) {
            return std::any_of(order.begin(), order.end(),
                               [&](const Service* done) { return done->name == dependency; });
          });
      if (ready) {
        placed[i] = true;
        order.push_back(&services[i]);
        break;
      }
    }
  }
  return order;
}

}  // namespace bosun::manifest
