#include <algorithm>
#include <fstream>
#include <sstream>

#include <yaml-cpp/yaml.h>

#include "bosun/common/names.hpp"
#include "bosun/common/suggest.hpp"
#include "bosun/common/text.hpp"
#include "bosun/common/text_file.hpp"
#include "bosun/manifest/node_reader.hpp"
#include "bosun/playbook/playbook.hpp"

namespace bosun::playbook {
namespace {

using manifest::Diagnostics;
using manifest::Location;
using manifest::detail::Field;
using manifest::detail::MapReader;
using manifest::detail::ReadContext;

const std::vector<StepKind> k_builtins{
    StepKind::lock,      StepKind::fetch,  StepKind::checkout, StepKind::build,
    StepKind::preflight, StepKind::backup, StepKind::migrate,  StepKind::switch_release,
    StepKind::restart,   StepKind::verify, StepKind::prune};

// Pairs (earlier, later) that must keep this order when both are present.
const std::vector<std::pair<StepKind, StepKind>> k_order{
    {StepKind::fetch, StepKind::checkout},         {StepKind::checkout, StepKind::build},
    {StepKind::build, StepKind::switch_release},   {StepKind::preflight, StepKind::switch_release},
    {StepKind::backup, StepKind::migrate},         {StepKind::migrate, StepKind::switch_release},
    {StepKind::switch_release, StepKind::restart}, {StepKind::restart, StepKind::verify},
    {StepKind::switch_release, StepKind::prune}};

std::optional<StepKind> builtin_named(const std::string& name) {
  for (StepKind kind : k_builtins) {
    if (step_kind_name(kind) == name) {
      return kind;
    }
  }
  return std::nullopt;
}

std::optional<Step> read_run_step(ReadContext& context, const MapReader& map, std::size_t index) {
  Step step;
  step.kind = StepKind::run;
  step.where = map.where();
  bool ok = true;
  if (const Field* f = map.require("run")) {
    auto command = manifest::detail::read_command(context, *f);
    ok = command.has_value();
    if (command) {
      step.command = std::move(*command);
    }
  }
  step.name = "run-" + std::to_string(index + 1);
  if (const Field* f = map.get("name")) {
    ok &=
        manifest::detail::assign(step.name, manifest::detail::read_name(context, *f, "step name"));
  }
  if (const Field* f = map.get("env")) {
    ok &= manifest::detail::assign(step.env, manifest::detail::read_env(context, *f));
  }
  if (const Field* f = map.get("cwd")) {
    ok &= manifest::detail::assign(step.cwd, manifest::detail::read_string(context, *f));
  }
  if (const Field* f = map.get("timeout")) {
    step.timeout = manifest::detail::read_duration(context, *f);
    ok &= step.timeout.has_value();
  }
  if (const Field* f = map.get("on_failure")) {
    const auto choice = manifest::detail::read_choice(context, *f, {"abort", "continue"});
    ok &= choice.has_value();
    step.on_failure = choice == "continue" ? OnFailure::continue_on : OnFailure::abort;
  }
  return ok ? std::optional(step) : std::nullopt;
}

std::optional<Step> read_step(ReadContext& context, const Field& field, std::size_t index) {
  const auto unknown = [&](const std::string& name, Location where) {
    const auto suggestion = closest_match(name, builtin_step_names());
    context.diagnostics.error(
        where, field.path,
        "unknown step " + quote_for_message(name) +
            (suggestion ? " (did you mean \"" + *suggestion + "\"?)"
                        : "; built-in steps: " + join(builtin_step_names(), ", ") +
                              ", or run: [command...]"));
  };
  if (field.value.IsScalar()) {  // "- migrate"
    const auto kind = builtin_named(field.value.Scalar());
    if (!kind) {
      unknown(field.value.Scalar(), field.value_where);
      return std::nullopt;
    }
    return Step{
        *kind, field.value.Scalar(), {}, {}, "", std::nullopt, OnFailure::abort, field.value_where};
  }
  if (!field.value.IsMap()) {
    context.diagnostics.error(
        field.value_where, field.path,
        "a step is a built-in name or a map, got " + manifest::detail::describe_node(field.value));
    return std::nullopt;
  }
  if (field.value["run"]) {
    MapReader map(context, field, {"run", "name", "env", "cwd", "timeout", "on_failure"});
    return map.valid() ? read_run_step(context, map, index) : std::nullopt;
  }
  // "- build: {timeout: 30m}"
  if (field.value.size() != 1) {
    context.diagnostics.error(field.value_where, field.path,
                              "a built-in step is one key: {build: {timeout: 30m}}");
    return std::nullopt;
  }
  const auto entry = *field.value.begin();
  const std::string name = entry.first.IsScalar() ? entry.first.Scalar() : "";
  const auto kind = builtin_named(name);
  const Location key_where = manifest::detail::location_of(entry.first.Mark());
  if (!kind) {
    unknown(name, key_where);
    return std::nullopt;
  }
  Step step{*kind, name, {}, {}, "", std::nullopt, OnFailure::abort, key_where};
  if (!entry.second.IsNull()) {
    Field params{name, entry.second, manifest::detail::child_path(field.path, name), key_where,
                 manifest::detail::location_of(entry.second.Mark())};
    MapReader map(context, params, {"timeout"});
    if (!map.valid()) {
      return std::nullopt;
    }
    if (const Field* f = map.get("timeout")) {
      step.timeout = manifest::detail::read_duration(context, *f);
      if (!step.timeout) {
        return std::nullopt;
      }
    }
  }
  return step;
}

std::optional<Strategy> read_strategy(ReadContext& context, const Field& field) {
  MapReader map(context, field, {"serial", "canary", "max_fail", "rollback"});
  if (!map.valid()) {
    return std::nullopt;
  }
  Strategy strategy;
  bool ok = true;
  if (const Field* f = map.get("serial")) {
    const std::string text = f->value.IsScalar() ? f->value.Scalar() : "";
    if (text.ends_with("%")) {
      Field number = *f;
      number.value = YAML::Node(text.substr(0, text.size() - 1));
      ok &= manifest::detail::assign(strategy.serial,
                                     manifest::detail::read_int(context, number, 1, 100));
      strategy.serial_percent = true;
    } else {
      ok &= manifest::detail::assign(strategy.serial,
                                     manifest::detail::read_int(context, *f, 1, 10'000));
    }
  }
  if (const Field* f = map.get("canary")) {
    ok &= manifest::detail::assign(strategy.canary,
                                   manifest::detail::read_int(context, *f, 0, 10'000));
  }
  if (const Field* f = map.get("max_fail")) {
    ok &= manifest::detail::assign(strategy.max_fail,
                                   manifest::detail::read_int(context, *f, 0, 10'000));
  }
  if (const Field* f = map.get("rollback")) {
    const auto choice = manifest::detail::read_choice(context, *f, {"all", "failed-only"});
    ok &= choice.has_value();
    strategy.rollback_all = choice != "failed-only";
  }
  return ok ? std::optional(strategy) : std::nullopt;
}

void check_order(const std::vector<Step>& steps, Diagnostics& diagnostics) {
  const auto position = [&](StepKind kind) -> std::optional<std::size_t> {
    for (std::size_t i = 0; i < steps.size(); ++i) {
      if (steps[i].kind == kind) {
        return i;
      }
    }
    return std::nullopt;
  };
  for (StepKind kind : k_builtins) {
    int seen = 0;
    for (const Step& step : steps) {
      if (step.kind == kind && ++seen == 2) {
        diagnostics.error(step.where, "steps",
                          "step \"" + step_kind_name(kind) + "\" appears twice");
      }
    }
  }
  for (std::size_t i = 0; i < steps.size(); ++i) {
    for (std::size_t k = 0; k < i; ++k) {
      if (steps[i].kind == StepKind::run && steps[k].kind == StepKind::run &&
          steps[i].name == steps[k].name) {
        diagnostics.error(steps[i].where, "steps",
                          "two run steps are named \"" + steps[i].name + "\"");
      }
    }
  }
  if (const auto lock = position(StepKind::lock); lock && *lock != 0) {
    diagnostics.error(steps[*lock].where, "steps",
                      "lock must be the first step, so that every hook runs under the lock");
  }
  for (const auto& [before, after] : k_order) {
    const auto a = position(before);
    const auto b = position(after);
    if (a && b && *a > *b) {
      diagnostics.error(
          steps[*a].where, "steps",
          "\"" + step_kind_name(before) + "\" must come before \"" + step_kind_name(after) + "\"");
    }
  }
}

}  // namespace

std::string step_kind_name(StepKind kind) {
  switch (kind) {
    case StepKind::lock:
      return "lock";
    case StepKind::fetch:
      return "fetch";
    case StepKind::checkout:
      return "checkout";
    case StepKind::build:
      return "build";
    case StepKind::preflight:
      return "preflight";
    case StepKind::backup:
      return "backup";
    case StepKind::migrate:
      return "migrate";
    case StepKind::switch_release:
      return "switch";
    case StepKind::restart:
      return "restart";
    case StepKind::verify:
      return "verify";
    case StepKind::prune:
      return "prune";
    case StepKind::run:
      break;
  }
  return "run";
}

const std::vector<std::string>& builtin_step_names() {
  static const std::vector<std::string> names = [] {
    std::vector<std::string> list;
    for (StepKind kind : k_builtins) {
      list.push_back(step_kind_name(kind));
    }
    return list;
  }();
  return names;
}

const Step* Playbook::find(StepKind kind) const {
  const auto it = std::find_if(steps.begin(), steps.end(),
                               [kind](const Step& step) { return step.kind == kind; });
  return it == steps.end() ? nullptr : &*it;
}

LoadResult parse_playbook(std::string_view yaml_text, const std::string& file_name) {
  Diagnostics diagnostics(file_name);
  LoadResult result;
  try {
    const YAML::Node root = YAML::Load(std::string(yaml_text));
    ReadContext context{diagnostics};
    MapReader map(context, root, {"name", "strategy", "steps"});
    Playbook playbook;
    playbook.file = file_name;
    if (map.valid()) {
      if (const Field* f = map.require("name")) {
        playbook.name = manifest::detail::read_name(context, *f, "playbook name").value_or("");
      }
      if (const Field* f = map.get("strategy")) {
        playbook.strategy = read_strategy(context, *f).value_or(playbook.strategy);
      }
      if (const Field* f = map.require("steps")) {
        if (!f->value.IsSequence() || f->value.size() == 0) {
          diagnostics.error(f->value_where, f->path, "expected a non-empty list of steps");
        }
        for (std::size_t i = 0; f->value.IsSequence() && i < f->value.size(); ++i) {
          if (auto step =
                  read_step(context, manifest::detail::element_field(*f, i, f->value[i]), i)) {
            playbook.steps.push_back(std::move(*step));
          }
        }
      }
      check_order(playbook.steps, diagnostics);
    }
    if (!diagnostics.has_errors()) {
      result.playbook = std::move(playbook);
    }
  } catch (const YAML::Exception& error) {
    diagnostics.error(manifest::detail::location_of(error.mark), "",
                      "YAML syntax error: " + error.msg);
  } catch (const std::exception& error) {
    diagnostics.error({}, "", std::string("could not read the playbook: ") + error.what());
  }
  result.diagnostics = diagnostics.sorted();
  return result;
}

LoadResult load_playbook_file(const std::string& path) {
  const auto text = read_text_file(path);
  if (!text) {
    Diagnostics diagnostics(path);
    diagnostics.error({}, "", "cannot read the playbook: no such file or not readable");
    return {std::nullopt, diagnostics.sorted()};
  }
  return parse_playbook(*text, path);
}

}  // namespace bosun::playbook
