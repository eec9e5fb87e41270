#include "bosun/manifest/loader.hpp"

#include <algorithm>
#include <fstream>
#include <sstream>

#include <yaml-cpp/yaml.h>

#include "bosun/common/names.hpp"
#include "bosun/common/text.hpp"
#include "bosun/common/text_file.hpp"
#include "dependency_graph.hpp"
#include "expansion_budget.hpp"
#include "readers.hpp"

namespace bosun::manifest {
namespace {

using detail::Field;
using detail::MapReader;
using detail::ReadContext;

const std::vector<std::string> k_top_level_keys{
    "app",   "repo",     "root",     "keep_releases", "stages",   "ssh",    "secrets", "env",
    "build", "database", "services", "verify",        "requires", "shared", "user"};

std::vector<std::string> read_secret_names(ReadContext& context, const Field& field) {
  std::vector<std::string> names;
  const auto value_given = [&](Location where, const std::string& path, const std::string& name) {
    context.diagnostics.error(where, path,
                              "secret " + quote_for_message(name) +
                                  " is given a value here; secrets lists names only: put the "
                                  "value in .bosun/secrets or the environment");
  };
  if (field.value.IsMap()) {
    for (const auto& entry_pair : field.value) {
      value_given(detail::location_of(entry_pair.first.Mark()), field.path,
                  entry_pair.first.Scalar());
    }
    return names;
  }
  if (!field.value.IsSequence()) {
    context.diagnostics.error(
        field.value_where, field.path,
        "expected a list of names, got " + detail::describe_node(field.value));
    return names;
  }
  for (std::size_t i = 0; i < field.value.size(); ++i) {
    const Field element = detail::element_field(field, i, field.value[i]);
    if (element.value.IsMap()) {
      for (const auto& entry_pair : element.value) {
        value_given(detail::location_of(entry_pair.first.Mark()), element.path,
                    entry_pair.first.Scalar());
      }
      continue;
    }
    auto name = detail::read_string(context, element);
    if (!name) {
      continue;
    }
    if (!is_valid_env_name(*name)) {
      context.diagnostics.error(element.value_where, element.path,
                                "invalid secret name " + quote_for_message(*name) +
                                    ": secrets are passed as environment variables");
      continue;
    }
    if (std::find(names.begin(), names.end(), *name) != names.end()) {
      context.diagnostics.error(element.value_where, element.path,
                                "duplicate secret " + quote_for_message(*name));
      continue;
    }
    names.push_back(*name);
  }
  return names;
}

// Secrets must never be written into the manifest, which lives in git.
void check_env_against_secrets(const std::vector<EnvVar>& env, const std::string& path,
                               const std::vector<std::string>& secrets, Diagnostics& diagnostics) {
  for (const EnvVar& var : env) {
    const bool is_secret = std::find(secrets.begin(), secrets.end(), var.name) != secrets.end();
    if (is_secret) {
      diagnostics.error(var.where, path + "." + var.name,
                        quote_for_message(var.name) +
                            " is listed in secrets: its value must not be written in the "
                            "manifest; put it in .bosun/secrets or the environment");
    } else if (looks_like_secret_name(var.name) && !var.value.empty() &&
               var.value.find("${") == std::string::npos) {
      diagnostics.warning(var.where, path + "." + var.name,
                          quote_for_message(var.name) +
                              " looks like a secret written in the manifest; list it under "
                              "secrets and keep its value in .bosun/secrets");
    }
  }
}

// shared: paths inside the release (no leading / or ..) linked to ROOT/shared.
void read_shared_paths(ReadContext& context, const Field& field, Manifest& manifest) {
  const Field* f = &field;
  const auto paths = detail::read_string_list(context, *f);
  for (const auto& [path, where] :
       paths.value_or(std::vector<std::pair<std::string, Location>>{})) {
    const bool escapes = path.starts_with("/") || path == ".." || path.starts_with("../") ||
                         path.find("/../") != std::string::npos || path.ends_with("/..") ||
                         path == ".";
    if (escapes) {
      context.diagnostics.error(
          where, f->path,
          quote_for_message(path) +
              " must be a path inside the release, like data or .env (no leading / or ..)");
      continue;
    }
    manifest.shared.push_back(path);
  }
}

void read_top_level(ReadContext& context, const YAML::Node& root, Manifest& manifest) {
  MapReader map(context, root, k_top_level_keys);
  if (!map.valid()) {
    return;
  }
  if (const Field* f = map.require("app")) {
    manifest.app = detail::read_name(context, *f, "app name").value_or("");
  }
  if (const Field* f = map.require("repo")) {
    const auto repo = detail::read_string(context, *f);
    if (repo && repo->find_first_of(" \t\n") != std::string::npos) {
      context.diagnostics.error(f->value_where, f->path,
                                "a repository location has no spaces: use a path, file://, "
                                "ssh:// or https:// URL, or git@host:owner/repo.git");
    }
    manifest.repo = repo.value_or("");
  }
  if (const Field* f = map.get("root")) {
    const auto root_dir = detail::read_string(context, *f);
    if (root_dir && !root_dir->starts_with("/") && !root_dir->starts_with("${")) {
      context.diagnostics.error(f->value_where, f->path,
                                "must be an absolute path, e.g. /srv/bosun/${app}");
    }
    manifest.root = root_dir.value_or(manifest.root);
  }
  if (const Field* f = map.get("user")) {
    const auto user = detail::read_string(context, *f);
    if (user && (user->empty() || user->find_first_of(" \t\n:/") != std::string::npos)) {
      context.diagnostics.error(f->value_where, f->path,
                                "expected an account name on the host, e.g. www-data");
    }
    manifest.user = user.value_or("");
  }
  if (const Field* f = map.get("keep_releases")) {
    // (Prune keeps a good release to roll back to besides the current one even with 1.)
    const auto keep = detail::read_int(context, *f, 1, 100);
    manifest.keep_releases = static_cast<int>(keep.value_or(manifest.keep_releases));
  }
  if (const Field* f = map.get("shared")) {
    read_shared_paths(context, *f, manifest);
  }
  if (const Field* f = map.get("stages")) {
    manifest.stages = detail::read_stages(context, *f);
  }
  if (const Field* f = map.get("ssh")) {
    manifest.ssh = detail::read_ssh(context, *f).value_or(manifest.ssh);
  }
  if (const Field* f = map.get("secrets")) {
    manifest.secrets = read_secret_names(context, *f);
  }
  if (const Field* f = map.get("env")) {
    manifest.env = detail::read_env(context, *f).value_or(std::vector<EnvVar>{});
  }
  if (const Field* f = map.get("build")) {
    manifest.build = detail::read_build(context, *f).value_or(manifest.build);
  }
  if (const Field* f = map.get("database")) {
    manifest.database = detail::read_database(context, *f).value_or(manifest.database);
  }
  if (const Field* f = map.require("services")) {
    MapReader services(context, *f);
    if (services.valid() && services.fields().empty()) {
      context.diagnostics.error(f->value_where, f->path, "needs at least one service");
    }
    for (const Field& entry : services.fields()) {
      if (auto service = detail::read_service(context, entry)) {
        manifest.services.push_back(std::move(*service));
      }
    }
  }
  if (const Field* f = map.get("verify")) {
    manifest.verify = detail::read_verify(context, *f).value_or(manifest.verify);
  }
  if (const Field* f = map.get("requires")) {
    manifest.requires_ = detail::read_requirements(context, *f).value_or(manifest.requires_);
  }
}

void cross_check(const Manifest& manifest, Diagnostics& diagnostics) {
  detail::check_dependencies(manifest.services, diagnostics);
  detail::check_database_service(manifest, diagnostics);
  check_env_against_secrets(manifest.env, "env", manifest.secrets, diagnostics);
  for (const Service& service : manifest.services) {
    check_env_against_secrets(service.env, "services." + service.name + ".env", manifest.secrets,
                              diagnostics);
  }
}

}  // namespace

bool looks_like_secret_name(const std::string& name) {
  for (const char* marker : {"SECRET", "PASSWORD", "PASSWD", "TOKEN", "API_KEY", "PRIVATE_KEY"}) {
    if (name.find(marker) != std::string::npos) {
      return true;
    }
  }
  return false;
}

LoadResult parse_manifest(std::string_view yaml_text, const std::string& file_name) {
  Diagnostics diagnostics(file_name);
  LoadResult result;
  if (yaml_text.size() > k_max_manifest_bytes) {
    diagnostics.error({}, "",
                      "the manifest is " + std::to_string(yaml_text.size()) + " bytes; at most " +
                          std::to_string(k_max_manifest_bytes) + " are accepted");
    result.diagnostics = diagnostics.sorted();
    return result;
  }
  try {
    const YAML::Node root = YAML::Load(std::string(yaml_text));
    if (!root.IsDefined() || root.IsNull()) {
      diagnostics.error({1, 1}, "",
                        "the manifest is empty; it needs at least app, repo and "
                        "services");
    } else if (detail::within_expansion_budget(root, diagnostics)) {
      Manifest manifest;
      manifest.file = file_name;
      ReadContext context{diagnostics};
      read_top_level(context, root, manifest);
      cross_check(manifest, diagnostics);
      if (!diagnostics.has_errors()) {
        result.manifest = std::move(manifest);
      }
    }
  } catch (const YAML::Exception& error) {
    diagnostics.error(detail::location_of(error.mark), "", "YAML syntax error: " + error.msg);
  } catch (const std::exception& error) {
    // Bad input must never crash a command; report instead of propagating.
    diagnostics.error({}, "", std::string("could not read the manifest: ") + error.what());
  }
  result.diagnostics = diagnostics.sorted();
  return result;
}

LoadResult load_manifest_file(const std::string& path) {
  const auto text = read_text_file(path);
  if (!text) {
    Diagnostics diagnostics(path);
    diagnostics.error({}, "", "cannot read the manifest: no such file or not readable");
    return {std::nullopt, diagnostics.sorted()};
  }
  return parse_manifest(*text, path);
}

}  // namespace bosun::manifest
