#include "bosun/common/cli.hpp"

#include <algorithm>
#include <ostream>
#include <sstream>

#include "bosun/common/exit_codes.hpp"
#include "bosun/common/suggest.hpp"

namespace bosun::cli {
namespace {

void append_padded(std::ostringstream& out, const std::string& left, const std::string& right) {
  constexpr std::size_t k_column = 28;
  out << "  " << left;
  if (left.size() + 2 < k_column) {
    out << std::string(k_column - left.size() - 2, ' ');
  } else {
    out << "\n" << std::string(k_column, ' ');
  }
  out << right << "\n";
}

}  // namespace

ArgParser::ArgParser(std::string command_path, std::string summary)
    : m_command_path(std::move(command_path)), m_summary(std::move(summary)) {}

ArgParser& ArgParser::flag(std::string long_name, char short_name, std::string help, bool& target) {
  m_options.push_back({std::move(long_name), short_name, "", std::move(help), &target});
  return *this;
}

ArgParser& ArgParser::counter(std::string long_name, char short_name, std::string help,
                              int& target) {
  Option option{std::move(long_name), short_name, "", std::move(help)};
  option.counter_target = &target;
  m_options.push_back(std::move(option));
  return *this;
}

ArgParser& ArgParser::option(std::string long_name, char short_name, std::string value_name,
                             std::string help, std::string& target) {
  Option option{std::move(long_name), short_name, std::move(value_name), std::move(help)};
  option.value_target = &target;
  m_options.push_back(std::move(option));
  return *this;
}

ArgParser& ArgParser::positional(std::string name, std::string help, std::string& target,
                                 bool required) {
  m_positionals.push_back({std::move(name), std::move(help), &target, required});
  return *this;
}

ArgParser& ArgParser::epilog(std::string text) {
  m_epilog = std::move(text);
  return *this;
}

const ArgParser::Option* ArgParser::find_long(const std::string& name) const {
  for (const Option& option : m_options) {
    if (option.long_name == name) {
      return &option;
    }
  }
  return nullptr;
}

const ArgParser::Option* ArgParser::find_short(char name) const {
  for (const Option& option : m_options) {
    if (option.short_name != 0 && option.short_name == name) {
      return &option;
    }
  }
  return nullptr;
}

bool ArgParser::apply(const Option& option, const std::string* value, std::ostream& err) const {
  if (option.value_target != nullptr) {
    if (value == nullptr) {
      usage_error(err,
                  "option --" + option.long_name + " needs a value (" + option.value_name + ")");
      return false;
    }
    *option.value_target = *value;
  } else if (option.flag_target != nullptr) {
    if (value != nullptr) {
      usage_error(err, "option --" + option.long_name + " takes no value");
      return false;
    }
    *option.flag_target = true;
  } else if (option.counter_target != nullptr) {
    ++*option.counter_target;
  }
  return true;
}

void ArgParser::usage_error(std::ostream& err, const std::string& message) const {
  err << m_command_path << ": " << message << "\n"
      << "Run '" << m_command_path << " --help' for usage.\n";
}

ArgParser::Outcome ArgParser::parse(const std::vector<std::string>& args, std::ostream& out,
                                    std::ostream& err) {
  std::size_t next_positional = 0;
  bool options_ended = false;
  for (std::size_t i = 0; i < args.size(); ++i) {
    const std::string& arg = args[i];
    if (!options_ended && (arg == "--help" || arg == "-h")) {
      out << help();
      return Outcome::help_shown;
    }
    if (!options_ended && arg == "--") {
      options_ended = true;
      continue;
    }
    if (!options_ended && arg.starts_with("--")) {
      const std::size_t equals = arg.find('=');
      const std::string name = arg.substr(2, equals == std::string::npos ? equals : equals - 2);
      const Option* option = find_long(name);
      if (option == nullptr) {
        std::vector<std::string> names;
        for (const Option& candidate : m_options) {
          names.push_back(candidate.long_name);
        }
        names.emplace_back("help");
        const auto suggestion = closest_match(name, names);
        usage_error(err, "unknown option --" + name +
                             (suggestion ? " (did you mean --" + *suggestion + "?)" : ""));
        return Outcome::error;
      }
      std::string value;
      const std::string* value_ptr = nullptr;
      if (equals != std::string::npos) {
        value = arg.substr(equals + 1);
        value_ptr = &value;
      } else if (option->value_target != nullptr && i + 1 < args.size()) {
        value = args[++i];
        value_ptr = &value;
      }
      if (!apply(*option, value_ptr, err)) {
        return Outcome::error;
      }
      continue;
    }
    if (!options_ended && arg.size() > 1 && arg[0] == '-') {
      // Short options may be bundled (-vv); a value-taking one ends the bundle (-cFILE, -c FILE).
      for (std::size_t k = 1; k < arg.size(); ++k) {
        const Option* option = find_short(arg[k]);
        if (option == nullptr) {
          usage_error(err, std::string("unknown option -") + arg[k]);
          return Outcome::error;
        }
        if (option->value_target != nullptr) {
          std::string value;
          if (k + 1 < arg.size()) {
            value = arg.substr(k + 1);
          } else if (i + 1 < args.size()) {
            value = args[++i];
          } else {
            return apply(*option, nullptr, err) ? Outcome::proceed : Outcome::error;
          }
          if (!apply(*option, &value, err)) {
            return Outcome::error;
          }
          break;
        }
        if (!apply(*option, nullptr, err)) {
          return Outcome::error;
        }
      }
      continue;
    }
    if (next_positional >= m_positionals.size()) {
      usage_error(err, "unexpected argument '" + arg + "'");
      return Outcome::error;
    }
    *m_positionals[next_positional++].target = arg;
  }
  for (std::size_t k = next_positional; k < m_positionals.size(); ++k) {
    if (m_positionals[k].required) {
      usage_error(err, "missing argument " + m_positionals[k].name);
      return Outcome::error;
    }
  }
  return Outcome::proceed;
}

std::optional<int> ArgParser::parse_or_exit_code(const std::vector<std::string>& args,
                                                 std::ostream& out, std::ostream& err) {
  switch (parse(args, out, err)) {
    case Outcome::help_shown:
      return exit_code::k_ok;
    case Outcome::error:
      return exit_code::k_invalid_input;
    case Outcome::proceed:
      break;
  }
  return std::nullopt;
}

std::string ArgParser::help() const {
  std::ostringstream out;
  out << "Usage: " << m_command_path << (m_options.empty() ? "" : " [OPTIONS]");
  for (const Positional& positional : m_positionals) {
    out << (positional.required ? " " + positional.name : " [" + positional.name + "]");
  }
  out << "\n\n" << m_summary << "\n";
  if (!m_positionals.empty()) {
    out << "\nArguments:\n";
    for (const Positional& positional : m_positionals) {
      append_padded(out, positional.name, positional.help);
    }
  }
  out << "\nOptions:\n";
  for (const Option& option : m_options) {
    std::string left =
        option.short_name != 0 ? std::string("-") + option.short_name + ", " : "    ";
    left += "--" + option.long_name;
    if (!option.value_name.empty()) {
      left += " " + option.value_name;
    }
    append_padded(out, left, option.help);
  }
  append_padded(out, "-h, --help", "show this help and exit");
  if (!m_epilog.empty()) {
    out << "\n" << m_epilog;
    if (m_epilog.back() != '\n') {
      out << "\n";
    }
  }
  return out.str();
}

int dispatch(const std::string& command_path, const std::string& summary,
             const std::vector<Subcommand>& subcommands, const std::vector<std::string>& args,
             std::ostream& out, std::ostream& err) {
  const auto listing = [&] {
    std::ostringstream text;
    text << "Usage: " << command_path << " COMMAND [OPTIONS]\n\n" << summary << "\n\nCommands:\n";
    for (const Subcommand& sub : subcommands) {
      append_padded(text, sub.name, sub.summary);
    }
    text << "\nRun '" << command_path << " COMMAND --help' for a command's options.\n";
    return text.str();
  };
  if (args.empty()) {
    err << listing();
    return exit_code::k_invalid_input;
  }
  if (args[0] == "--help" || args[0] == "-h" || args[0] == "help") {
    out << listing();
    return exit_code::k_ok;
  }
  for (const Subcommand& sub : subcommands) {
    if (sub.name == args[0]) {
      return sub.run(std::vector<std::string>(args.begin() + 1, args.end()));
    }
  }
  std::vector<std::string> names;
  std::transform(subcommands.begin(), subcommands.end(), std::back_inserter(names),
                 [](const Subcommand& sub) { return sub.name; });
  const auto suggestion = closest_match(args[0], names);
  err << command_path << ": unknown command '" << args[0] << "'"
      << (suggestion ? " (did you mean '" + *suggestion + "'?)" : "") << "\n"
      << "Run '" << command_path << " --help' for the list of commands.\n";
  return exit_code::k_invalid_input;
}

}  // namespace bosun::cli
