#pragma once
// Typed reads from yaml-cpp nodes, shared by the manifest and playbook loaders. Every
// problem is recorded as a diagnostic and nothing throws: each reader returns std::nullopt
// after reporting, and callers keep going so that one pass finds every problem in a file.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <yaml-cpp/yaml.h>

#include "bosun/common/duration.hpp"
#include "bosun/manifest/diagnostics.hpp"
#include "bosun/manifest/model.hpp"

namespace bosun::manifest::detail {

Location location_of(const YAML::Mark& mark);

// State shared by all readers of one file.
struct ReadContext {
  Diagnostics& diagnostics;
  bool allow_version_variable = false;    // ${version} is only meaningful in migrate.down
  bool allow_pid_variable = false;        // ${pid} is only meaningful in a service's probes
  bool allow_listen_fd_variable = false;  // ${listen_fd}: in a service with listen:
  bool allow_port_variable = false;       // ${port}: in a service with proxy:
};

// One `key: value` entry of a map, with where both were written.
struct Field {
  std::string key;
  YAML::Node value;
  std::string path;  // dotted path of the value, e.g. "services.server.ready"
  Location key_where;
  Location value_where;  // the key's position when the value is empty
};

class MapReader {
 public:
  // Reads `field`'s value as a map. Reports when it is not a map, and every duplicate or
  // unknown key (with a suggestion among `allowed`). Missing keys are reported at the
  // field's own key, where the user will look for them.
  MapReader(ReadContext& context, const Field& field, const std::vector<std::string>& allowed);
  // A map whose keys are names chosen by the user (services, stages): any key is accepted.
  MapReader(ReadContext& context, const Field& field);
  // The whole document.
  MapReader(ReadContext& context, const YAML::Node& root, const std::vector<std::string>& allowed);

  bool valid() const { return m_valid; }
  const Field* get(std::string_view key) const;
  // Like get(), but reports a missing key as an error.
  const Field* require(std::string_view key) const;
  const std::vector<Field>& fields() const { return m_fields; }
  Location where() const { return m_where; }
  const std::string& path() const { return m_path; }

 private:
  void read_fields(const YAML::Node& node, const std::vector<std::string>* allowed);

  ReadContext& m_context;
  std::string m_path;
  Location m_where;        // the map itself
  Location m_owner_where;  // the key that holds the map
  bool m_valid = false;
  std::vector<Field> m_fields;
};

// "a map", "a list", "a string", "nothing"
std::string describe_node(const YAML::Node& node);
std::string child_path(const std::string& parent, std::string_view key);
std::string index_path(const std::string& parent, std::size_t index);
// A list element as a Field, so that element readers share the scalar readers.
Field element_field(const Field& list, std::size_t index, const YAML::Node& element);

// The key of `entry` as a Field of its own, to validate user-chosen names (services, stages).
Field key_field(const Field& entry);

// Stores a successfully read value; returns whether there was one, for `ok &= assign(...)`.
template <typename Target, typename Value>
bool assign(Target& target, const std::optional<Value>& value) {
  if (value) {
    target = static_cast<Target>(*value);
  }
  return value.has_value();
}

std::optional<std::string> read_string(ReadContext& context, const Field& field,
                                       bool allow_empty = false);
std::optional<std::int64_t> read_int(ReadContext& context, const Field& field, std::int64_t min,
                                     std::int64_t max);
std::optional<bool> read_bool(ReadContext& context, const Field& field);
std::optional<Duration> read_duration(ReadContext& context, const Field& field);
std::optional<std::uint64_t> read_byte_size(ReadContext& context, const Field& field);
std::optional<std::uint16_t> read_port(ReadContext& context, const Field& field);
// A name following the naming rule ([a-z0-9][a-z0-9_-]{0,63}); `what` is e.g. "service name".
std::optional<std::string> read_name(ReadContext& context, const Field& field,
                                     std::string_view what);
std::optional<std::string> read_choice(ReadContext& context, const Field& field,
                                       const std::vector<std::string>& choices);
std::optional<std::string> read_url(ReadContext& context, const Field& field);

// A list of strings with each element's position; reports non-lists and duplicates.
std::optional<std::vector<std::pair<std::string, Location>>> read_string_list(
    ReadContext& context, const Field& field, bool allow_duplicates = false,
    bool allow_empty = false);

// [argv...] or {sh: "..."}
std::optional<Command> read_command(ReadContext& context, const Field& field);

// {NAME: value, ...}; names must be valid environment variable names.
std::optional<std::vector<EnvVar>> read_env(ReadContext& context, const Field& field);

// Checks the ${...} uses of a string read from `field`.
void check_variables(ReadContext& context, const Field& field, std::string_view text);

}  // namespace bosun::manifest::detail
