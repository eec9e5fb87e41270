#include "bosun/manifest/command_expansion.hpp"

#include "bosun/common/text.hpp"
#include "bosun/manifest/variables.hpp"

namespace bosun::manifest {
namespace {

tl::expected<std::string, std::string> expand(const std::string& text, const Values& values) {
  auto expanded = expand_variables(text, values);
  if (!expanded) {
    return tl::make_unexpected(expanded.error() + " in " + quote_for_message(text));
  }
  return expanded;
}

SqlServerCheck* sql_server_of(CheckKind& kind) {
  if (auto* postgres = std::get_if<PostgresCheck>(&kind)) {
    return postgres;
  }
  return std::get_if<MysqlCheck>(&kind);
}

}  // namespace

tl::expected<std::vector<std::string>, std::string> expand_command(const Command& command,
                                                                   const Values& values) {
  if (command.uses_shell()) {
    auto line = expand(command.shell, values);
    if (!line) {
      return tl::make_unexpected(line.error());
    }
    return std::vector<std::string>{"/bin/sh", "-c", *line};
  }
  std::vector<std::string> words;
  for (const std::string& word : command.argv) {
    auto expanded = expand(word, values);
    if (!expanded) {
      return tl::make_unexpected(expanded.error());
    }
    words.push_back(std::move(*expanded));
  }
  return words;
}

tl::expected<CheckSpec, std::string> expand_check(CheckSpec spec, const Values& values) {
  if (auto* http = std::get_if<HttpCheck>(&spec.kind)) {
    auto url = expand(http->url, values);
    if (!url) {
      return tl::make_unexpected(url.error());
    }
    http->url = std::move(*url);
  } else if (auto* sqlite = std::get_if<SqliteCheck>(&spec.kind)) {
    auto path = expand(sqlite->path, values);
    if (!path) {
      return tl::make_unexpected(path.error());
    }
    sqlite->path = std::move(*path);
  } else if (auto* server = sql_server_of(spec.kind); server != nullptr && !server->url.empty()) {
    auto url = expand(server->url, values);
    if (!url) {
      return tl::make_unexpected(url.error());
    }
    server->url = std::move(*url);
  } else if (auto* exec = std::get_if<ExecCheck>(&spec.kind)) {
    auto argv = expand_command(exec->command, values);
    if (!argv) {
      return tl::make_unexpected(argv.error());
    }
    exec->command.argv = std::move(*argv);
    exec->command.shell.clear();
  }
  return spec;
}

}  // namespace bosun::manifest
