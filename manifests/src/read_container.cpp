// A service's `container:` section: the engine, a named or built image, networking (host by
// default: nothing is published that the service does not bind itself), volumes kept under the
// app's own folders, and limits.
#include "bosun/common/text.hpp"
#include "readers.hpp"

namespace bosun::manifest::detail {
namespace {

// HOST:CONTAINER[:ro|rw], HOST inside the app's folders: ${shared}/... or ${release}/....
void check_volume(ReadContext& context, const Field& field, const std::string& volume) {
  const std::size_t colon = volume.find(':');
  const std::string host = volume.substr(0, colon);
  if (colon == std::string::npos || colon + 1 >= volume.size() || volume[colon + 1] != '/') {
    context.diagnostics.error(field.value_where, field.path,
                              "expected HOST:CONTAINER[:ro], e.g. ${shared}/data:/data");
    return;
  }
  const bool inside = (host.starts_with("${shared}") || host.starts_with("${release}")) &&
                      host.find("..") == std::string::npos;
  if (!inside) {
    context.diagnostics.error(field.value_where, field.path,
                              "a volume's host side must be under ${shared} or ${release} (" +
                                  bosun::quote_for_message(host) +
                                  " is elsewhere): the app's state lives in shared/");
  }
  const std::size_t mode = volume.find(':', colon + 1);
  if (mode != std::string::npos && volume.substr(mode + 1) != "ro" &&
      volume.substr(mode + 1) != "rw") {
    context.diagnostics.error(field.value_where, field.path, "a volume's mode is ro or rw");
  }
}

std::optional<ContainerBuild> read_image_build(ReadContext& context, const Field& field) {
  ContainerBuild build;
  build.where = field.value_where;
  MapReader map(context, field, {"context", "dockerfile", "no_cache"});
  if (!map.valid()) {
    return std::nullopt;
  }
  for (const auto& [key, target] :
       {std::pair{"context", &build.context}, std::pair{"dockerfile", &build.dockerfile}}) {
    if (const Field* f = map.get(key)) {
      const auto text = read_string(context, *f);
      if (text && (text->starts_with("/") || text->find("..") != std::string::npos)) {
        context.diagnostics.error(f->value_where, f->path,
                                  "relative to the release, without \"..\"");
      }
      *target = text.value_or(*target);
    }
  }
  if (const Field* f = map.get("no_cache")) {
    build.no_cache = read_bool(context, *f).value_or(false);
  }
  return build;
}

}  // namespace

std::optional<ContainerSpec> read_container(ReadContext& context, const Field& field) {
  ContainerSpec container;
  container.where = field.value_where;
  MapReader map(
      context, field,
      {"engine", "image", "build", "network", "ports", "volumes", "memory", "cpus", "init"});
  if (!map.valid()) {
    return std::nullopt;
  }
  if (const Field* f = map.get("engine")) {
    container.engine = read_choice(context, *f, {"docker", "podman"}).value_or(container.engine);
  }
  const Field* image = map.get("image");
  const Field* build = map.get("build");
  if (image != nullptr && build != nullptr) {
    context.diagnostics.error(build->key_where, build->path,
                              "give image: (a named image) or build: (one built per release), "
                              "not both");
  } else if (image == nullptr && build == nullptr) {
    context.diagnostics.error(field.key_where, field.path,
                              "needs image: (e.g. redis:7) or build: {context: ., dockerfile: "
                              "Dockerfile}");
  }
  if (image != nullptr) {
    container.image = read_string(context, *image).value_or("");
  }
  if (build != nullptr) {
    container.build = read_image_build(context, *build);
  }
  if (const Field* f = map.get("network")) {
    container.network =
        read_choice(context, *f, {"host", "bridge", "none"}).value_or(container.network);
  }
  if (const Field* f = map.get("ports")) {
    if (const auto ports = read_string_list(context, *f)) {
      for (const auto& [port, where] : *ports) {
        container.ports.push_back(port);
      }
    }
    if (container.network == "host" && !container.ports.empty()) {
      context.diagnostics.error(f->key_where, f->path,
                                "ports publish with network: bridge; with host networking (the "
                                "default) the container listens on the host's ports itself");
    }
  }
  if (const Field* f = map.get("volumes")) {
    const auto volumes = read_string_list(context, *f);
    for (std::size_t i = 0; volumes && i < volumes->size(); ++i) {
      const Field element = element_field(*f, i, f->value[i]);
      check_volume(context, element, (*volumes)[i].first);
      container.volumes.push_back((*volumes)[i].first);
    }
  }
  if (const Field* f = map.get("memory")) {
    container.memory = read_string(context, *f).value_or("");
  }
  if (const Field* f = map.get("cpus")) {
    container.cpus = read_string(context, *f).value_or("");
  }
  if (const Field* f = map.get("init")) {
    container.init = read_bool(context, *f).value_or(false);
  }
  return container;
}

}  // namespace bosun::manifest::detail
