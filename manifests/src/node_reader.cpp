#include "bosun/manifest/node_reader.hpp"

#include <algorithm>
#include <limits>
#include <unordered_map>

#include "bosun/common/byte_size.hpp"
#include "bosun/common/names.hpp"
#include "bosun/common/suggest.hpp"
#include "bosun/common/text.hpp"
#include "bosun/common/url.hpp"
#include "bosun/manifest/variables.hpp"

namespace bosun::manifest::detail {
namespace {

bool is_null(const YAML::Node& node) {
  return !node.IsDefined() || node.IsNull();
}

std::string any_of_text(const std::vector<std::string>& choices) {
  std::string out;
  for (std::size_t i = 0; i < choices.size(); ++i) {
    out += i == 0 ? "" : (i + 1 == choices.size() ? " or " : ", ");
    out += choices[i];
  }
  return out;
}

// ["a", "b"] for "a b": how a shell-style line would look as an argv list.
std::string suggest_argv(std::string_view line) {
  std::vector<std::string> words;
  std::size_t pos = 0;
  while (pos < line.size()) {
    const std::size_t start = line.find_first_not_of(" \t", pos);
    if (start == std::string_view::npos) {
      break;
    }
    const std::size_t end = line.find_first_of(" \t", start);
    words.push_back(quote_for_message(line.substr(start, end - start)));
    pos = end == std::string_view::npos ? line.size() : end;
  }
  return "[" + join(words, ", ") + "]";
}

}  // namespace

Location location_of(const YAML::Mark& mark) {
  if (mark.is_null() || mark.line < 0) {
    return {};
  }
  return {mark.line + 1, mark.column + 1};
}

std::string describe_node(const YAML::Node& node) {
  switch (node.Type()) {
    case YAML::NodeType::Map:
      return "a map";
    case YAML::NodeType::Sequence:
      return "a list";
    case YAML::NodeType::Scalar:
      return "the value " + quote_for_message(node.Scalar());
    case YAML::NodeType::Null:
    case YAML::NodeType::Undefined:
      break;
  }
  return "nothing";
}

std::string child_path(const std::string& parent, std::string_view key) {
  return parent.empty() ? std::string(key) : parent + "." + std::string(key);
}

std::string index_path(const std::string& parent, std::size_t index) {
  return parent + "[" + std::to_string(index) + "]";
}

Field element_field(const Field& list, std::size_t index, const YAML::Node& element) {
  Field field;
  field.key = std::to_string(index);
  field.value = element;
  field.path = index_path(list.path, index);
  field.value_where = location_of(element.Mark());
  if (field.value_where.line == 0) {
    field.value_where = list.value_where;
  }
  field.key_where = field.value_where;
  return field;
}

Field key_field(const Field& entry) {
  return Field{entry.key, YAML::Node(entry.key), entry.path, entry.key_where, entry.key_where};
}

MapReader::MapReader(ReadContext& context, const Field& field,
                     const std::vector<std::string>& allowed)
    : m_context(context),
      m_path(field.path),
      m_where(field.value_where),
      m_owner_where(field.key_where) {
  read_fields(field.value, &allowed);
}

MapReader::MapReader(ReadContext& context, const Field& field)
    : m_context(context),
      m_path(field.path),
      m_where(field.value_where),
      m_owner_where(field.key_where) {
  read_fields(field.value, nullptr);
}

MapReader::MapReader(ReadContext& context, const YAML::Node& root,
                     const std::vector<std::string>& allowed)
    : m_context(context), m_where{1, 1}, m_owner_where{1, 1} {
  read_fields(root, &allowed);
}

void MapReader::read_fields(const YAML::Node& node, const std::vector<std::string>* allowed) {
  if (!node.IsMap()) {
    m_context.diagnostics.error(m_where, m_path,
                                "expected a map (key: value), got " + describe_node(node));
    return;
  }
  m_valid = true;
  std::unordered_map<std::string, std::size_t> seen;  // key: its field; linear on big maps
  for (const auto& entry_pair : node) {
    const YAML::Node& key_node = entry_pair.first;
    const Location key_where = location_of(key_node.Mark());
    if (!key_node.IsScalar()) {
      m_context.diagnostics.error(key_where, m_path,
                                  "keys must be plain names, got " + describe_node(key_node));
      continue;
    }
    const std::string key = key_node.Scalar();
    const std::string field_path = child_path(m_path, key);
    if (const auto first = seen.find(key); first != seen.end()) {
      m_context.diagnostics.error(key_where, field_path,
                                  "duplicate key (first given on line " +
                                      std::to_string(m_fields[first->second].key_where.line) + ")");
      continue;
    }
    if (allowed != nullptr && std::find(allowed->begin(), allowed->end(), key) == allowed->end()) {
      const auto suggestion = closest_match(key, *allowed);
      std::string message = "unknown key " + quote_for_message(key);
      message += suggestion ? " (did you mean \"" + *suggestion + "\"?)"
                            : "; expected one of: " + join(*allowed, ", ");
      m_context.diagnostics.error(key_where, m_path.empty() ? key : field_path, message);
      continue;
    }
    Field field;
    field.key = key;
    field.value = entry_pair.second;
    field.path = field_path;
    field.key_where = key_where;
    field.value_where =
        is_null(entry_pair.second) ? key_where : location_of(entry_pair.second.Mark());
    seen.emplace(key, m_fields.size());
    m_fields.push_back(std::move(field));
  }
}

const Field* MapReader::get(std::string_view key) const {
  for (const Field& field : m_fields) {
    if (field.key == key) {
      return &field;
    }
  }
  return nullptr;
}

const Field* MapReader::require(std::string_view key) const {
  const Field* field = get(key);
  if (field == nullptr && m_valid) {
    m_context.diagnostics.error(m_owner_where, m_path.empty() ? std::string(key) : m_path,
                                "missing required key " + quote_for_message(key));
  }
  return field;
}

void check_variables(ReadContext& context, const Field& field, std::string_view text) {
  auto uses = find_variables(text);
  if (!uses) {
    context.diagnostics.error(field.value_where, field.path, uses.error());
    return;
  }
  for (const VariableUse& use : *uses) {
    const auto& known = known_variables();
    if (use.name == "version" && !context.allow_version_variable) {
      context.diagnostics.error(field.value_where, field.path,
                                "${version} is only known in database.migrate.down");
    } else if (use.name == "pid" && !context.allow_pid_variable) {
      context.diagnostics.error(field.value_where, field.path,
                                "${pid} is only known in a service's ready and liveness checks");
    } else if (use.name == "listen_fd" && !context.allow_listen_fd_variable) {
      context.diagnostics.error(field.value_where, field.path,
                                "${listen_fd} is only known in a service with listen: (the "
                                "socket the agent binds for it)");
    } else if (use.name == "port" && !context.allow_port_variable) {
      context.diagnostics.error(field.value_where, field.path,
                                "${port} is only known in a service with proxy: (each instance's "
                                "own port)");
    } else if (std::find(known.begin(), known.end(), use.name) == known.end()) {
      const auto suggestion = closest_match(use.name, known);
      context.diagnostics.error(field.value_where, field.path,
                                "unknown variable ${" + use.name + "}" +
                                    (suggestion ? " (did you mean ${" + *suggestion + "}?)"
                                                : "; known: ${" + join(known, "}, ${") + "}"));
    }
  }
}

std::optional<std::string> read_string(ReadContext& context, const Field& field, bool allow_empty) {
  if (is_null(field.value)) {
    context.diagnostics.error(
        field.value_where, field.path,
        allow_empty ? "needs a value (write \"\" for an empty one)" : "needs a value");
    return std::nullopt;
  }
  if (!field.value.IsScalar()) {
    context.diagnostics.error(field.value_where, field.path,
                              "expected a string, got " + describe_node(field.value));
    return std::nullopt;
  }
  const std::string& text = field.value.Scalar();
  if (text.empty() && !allow_empty) {
    context.diagnostics.error(field.value_where, field.path, "must not be empty");
    return std::nullopt;
  }
  if (text.find('\0') != std::string::npos) {
    context.diagnostics.error(field.value_where, field.path, "contains a NUL character");
    return std::nullopt;
  }
  check_variables(context, field, text);
  return text;
}

std::optional<std::int64_t> read_int(ReadContext& context, const Field& field, std::int64_t min,
                                     std::int64_t max) {
  if (!field.value.IsScalar()) {
    context.diagnostics.error(field.value_where, field.path,
                              "expected a whole number, got " + describe_node(field.value));
    return std::nullopt;
  }
  const std::string& text = field.value.Scalar();
  std::string_view digits = text;
  const bool negative = digits.starts_with("-");
  if (negative) {
    digits.remove_prefix(1);
  }
  const bool numeric =
      !digits.empty() && digits.size() <= 18 &&
      std::all_of(digits.begin(), digits.end(), [](char c) { return c >= '0' && c <= '9'; });
  if (!numeric) {
    context.diagnostics.error(field.value_where, field.path,
                              "expected a whole number, got " + quote_for_message(text));
    return std::nullopt;
  }
  const std::int64_t value = std::stoll(text);
  if (value < min || value > max) {
    const std::string range = max == std::numeric_limits<std::int64_t>::max()
                                  ? "at least " + std::to_string(min)
                                  : "from " + std::to_string(min) + " to " + std::to_string(max);
    context.diagnostics.error(field.value_where, field.path,
                              std::to_string(value) + " is out of range (" + range + ")");
    return std::nullopt;
  }
  return value;
}

std::optional<bool> read_bool(ReadContext& context, const Field& field) {
  const std::string text = field.value.IsScalar() ? field.value.Scalar() : "";
  if (text == "true" || text == "True" || text == "TRUE") {
    return true;
  }
  if (text == "false" || text == "False" || text == "FALSE") {
    return false;
  }
  context.diagnostics.error(field.value_where, field.path,
                            "expected true or false, got " + describe_node(field.value));
  return std::nullopt;
}

std::optional<Duration> read_duration(ReadContext& context, const Field& field) {
  if (!field.value.IsScalar()) {
    context.diagnostics.error(
        field.value_where, field.path,
        "expected a duration such as \"10s\", got " + describe_node(field.value));
    return std::nullopt;
  }
  auto parsed = parse_duration(field.value.Scalar());
  if (!parsed) {
    context.diagnostics.error(field.value_where, field.path, parsed.error());
    return std::nullopt;
  }
  return *parsed;
}

std::optional<std::uint64_t> read_byte_size(ReadContext& context, const Field& field) {
  if (!field.value.IsScalar()) {
    context.diagnostics.error(
        field.value_where, field.path,
        "expected a size such as \"512MiB\", got " + describe_node(field.value));
    return std::nullopt;
  }
  auto parsed = parse_byte_size(field.value.Scalar());
  if (!parsed) {
    context.diagnostics.error(field.value_where, field.path, parsed.error());
    return std::nullopt;
  }
  return *parsed;
}

std::optional<std::uint16_t> read_port(ReadContext& context, const Field& field) {
  const auto value = read_int(context, field, 1, 65535);
  if (!value) {
    return std::nullopt;
  }
  return static_cast<std::uint16_t>(*value);
}

std::optional<std::string> read_name(ReadContext& context, const Field& field,
                                     std::string_view what) {
  auto text = read_string(context, field);
  if (!text) {
    return std::nullopt;
  }
  if (!is_valid_name(*text)) {
    context.diagnostics.error(field.value_where, field.path,
                              "invalid " + std::string(what) + " " + quote_for_message(*text) +
                                  ": use lower-case letters, digits, '-' and '_', starting with "
                                  "a letter or digit, at most 64 characters");
    return std::nullopt;
  }
  return text;
}

std::optional<std::string> read_choice(ReadContext& context, const Field& field,
                                       const std::vector<std::string>& choices) {
  if (!field.value.IsScalar()) {
    context.diagnostics.error(
        field.value_where, field.path,
        "expected " + any_of_text(choices) + ", got " + describe_node(field.value));
    return std::nullopt;
  }
  const std::string& text = field.value.Scalar();
  if (std::find(choices.begin(), choices.end(), text) != choices.end()) {
    return text;
  }
  const auto suggestion = closest_match(text, choices);
  context.diagnostics.error(field.value_where, field.path,
                            quote_for_message(text) + " is not one of " + any_of_text(choices) +
                                (suggestion ? " (did you mean \"" + *suggestion + "\"?)" : ""));
  return std::nullopt;
}

std::optional<std::string> read_url(ReadContext& context, const Field& field) {
  auto text = read_string(context, field);
  if (!text) {
    return std::nullopt;
  }
  // Variables are expanded on the host; check the shape with a stand-in host name.
  auto stand_in = expand_variables(*text, {{"host", "host"},
                                           {"root", "root"},
                                           {"shared", "shared"},
                                           {"release", "release"},
                                           {"app", "app"},
                                           {"stage", "stage"},
                                           {"pid", "1"},
                                           {"port", "1"}});
  auto url = parse_http_url(stand_in ? *stand_in : *text);
  if (!url) {
    context.diagnostics.error(field.value_where, field.path, url.error());
    return std::nullopt;
  }
  return text;
}

std::optional<std::vector<std::pair<std::string, Location>>> read_string_list(ReadContext& context,
                                                                              const Field& field,
                                                                              bool allow_duplicates,
                                                                              bool allow_empty) {
  if (!field.value.IsSequence()) {
    context.diagnostics.error(field.value_where, field.path,
                              "expected a list, got " + describe_node(field.value));
    return std::nullopt;
  }
  std::vector<std::pair<std::string, Location>> items;
  std::unordered_map<std::string, int> first_line;  // linear: a 60k-entry list took 10 s
  bool ok = true;
  std::size_t i = 0;
  for (const YAML::Node& item : field.value) {  // iterated: indexing a sequence walks it
    const Field element = element_field(field, i++, item);
    auto text = read_string(context, element, allow_empty);
    if (!text) {
      ok = false;
      continue;
    }
    if (!allow_duplicates) {
      const auto [previous, fresh] = first_line.emplace(*text, element.value_where.line);
      if (!fresh) {
        context.diagnostics.error(element.value_where, element.path,
                                  "duplicate entry " + quote_for_message(*text) +
                                      " (first given on line " + std::to_string(previous->second) +
                                      ")");
        ok = false;
        continue;
      }
    }
    items.emplace_back(std::move(*text), element.value_where);
  }
  if (!ok) {
    return std::nullopt;
  }
  return items;
}

std::optional<Command> read_command(ReadContext& context, const Field& field) {
  Command command;
  command.where = field.value_where;
  if (field.value.IsScalar()) {
    context.diagnostics.error(field.value_where, field.path,
                              "commands are argv lists, not shell lines: write " +
                                  suggest_argv(field.value.Scalar()) +
                                  ", or {sh: \"...\"} to run it through a shell");
    return std::nullopt;
  }
  if (field.value.IsMap()) {
    MapReader map(context, field, {"sh"});
    const Field* sh = map.require("sh");
    if (!map.valid() || sh == nullptr) {
      return std::nullopt;
    }
    auto line = read_string(context, *sh);
    if (!line) {
      return std::nullopt;
    }
    command.shell = *line;
    return command;
  }
  if (!field.value.IsSequence()) {
    context.diagnostics.error(field.value_where, field.path,
                              "expected a command ([program, args...] or {sh: \"...\"}), got " +
                                  describe_node(field.value));
    return std::nullopt;
  }
  if (field.value.size() == 0) {
    context.diagnostics.error(field.value_where, field.path,
                              "a command needs at least the program to run");
    return std::nullopt;
  }
  auto words = read_string_list(context, field, /*allow_duplicates=*/true, /*allow_empty=*/true);
  if (!words) {
    return std::nullopt;
  }
  if (words->front().first.empty()) {
    context.diagnostics.error(words->front().second, index_path(field.path, 0),
                              "the program to run must not be empty");
    return std::nullopt;
  }
  for (auto& [word, where] : *words) {
    command.argv.push_back(std::move(word));
  }
  return command;
}

std::optional<std::vector<EnvVar>> read_env(ReadContext& context, const Field& field) {
  if (!field.value.IsMap()) {
    context.diagnostics.error(field.value_where, field.path,
                              "expected a map of NAME: value, got " + describe_node(field.value));
    return std::nullopt;
  }
  std::vector<EnvVar> env;
  std::unordered_map<std::string, int> first_line;
  bool ok = true;
  for (const auto& entry_pair : field.value) {
    const Location key_where = location_of(entry_pair.first.Mark());
    if (!entry_pair.first.IsScalar()) {
      context.diagnostics.error(key_where, field.path, "variable names must be plain names");
      ok = false;
      continue;
    }
    const std::string name = entry_pair.first.Scalar();
    Field entry;
    entry.key = name;
    entry.value = entry_pair.second;
    entry.path = child_path(field.path, name);
    entry.key_where = key_where;
    entry.value_where =
        is_null(entry_pair.second) ? key_where : location_of(entry_pair.second.Mark());
    if (!is_valid_env_name(name)) {
      context.diagnostics.error(key_where, entry.path,
                                "invalid environment variable name " + quote_for_message(name) +
                                    ": use letters, digits and '_', not starting with a digit");
      ok = false;
      continue;
    }
    if (const auto [previous, fresh] = first_line.emplace(name, key_where.line); !fresh) {
      context.diagnostics.error(
          key_where, entry.path,
          "duplicate key (first given on line " + std::to_string(previous->second) + ")");
      ok = false;
      continue;
    }
    auto value = read_string(context, entry, /*allow_empty=*/true);
    if (!value) {
      ok = false;
      continue;
    }
    env.push_back({name, std::move(*value), entry.value_where});
  }
  if (!ok) {
    return std::nullopt;
  }
  return env;
}

}  // namespace bosun::manifest::detail
