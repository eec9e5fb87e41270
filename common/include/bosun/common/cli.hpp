#pragma once
// A small command-line parser: every bosun command gets the same --help layout, the same
// error messages (with "did you mean") and the same exit codes.

#include <functional>
#include <iosfwd>
#include <optional>
#include <string>
#include <vector>

namespace bosun::cli {

class ArgParser {
 public:
  ArgParser(std::string command_path, std::string summary);

  ArgParser& flag(std::string long_name, char short_name, std::string help, bool& target);
  ArgParser& counter(std::string long_name, char short_name, std::string help, int& target);
  ArgParser& option(std::string long_name, char short_name, std::string value_name,
                    std::string help, std::string& target);
  ArgParser& positional(std::string name, std::string help, std::string& target, bool required);
  ArgParser& epilog(std::string text);

  enum class Outcome { proceed, help_shown, error };

  // On --help/-h prints the help to `out`; on a usage error prints it and a hint to `err`.
  Outcome parse(const std::vector<std::string>& args, std::ostream& out, std::ostream& err);
  // parse() for commands: nullopt to go on, or the exit code to return at once (0 after
  // --help, 2 after a usage error).
  std::optional<int> parse_or_exit_code(const std::vector<std::string>& args, std::ostream& out,
                                        std::ostream& err);
  std::string help() const;

 private:
  struct Option {
    std::string long_name;
    char short_name;
    std::string value_name;  // empty for flags and counters
    std::string help;
    bool* flag_target = nullptr;
    int* counter_target = nullptr;
    std::string* value_target = nullptr;
  };
  struct Positional {
    std::string name;
    std::string help;
    std::string* target;
    bool required;
  };

  const Option* find_long(const std::string& name) const;
  const Option* find_short(char name) const;
  bool apply(const Option& option, const std::string* value, std::ostream& err) const;
  void usage_error(std::ostream& err, const std::string& message) const;

  std::string m_command_path;
  std::string m_summary;
  std::string m_epilog;
  std::vector<Option> m_options;
  std::vector<Positional> m_positionals;
};

struct Subcommand {
  std::string name;
  std::string summary;
  std::function<int(const std::vector<std::string>& args)> run;
};

// Runs the subcommand named by args[0] with the remaining arguments. Prints a listing for
// --help (exit 0) or when none is given (exit 2); an unknown name gets a "did you mean".
int dispatch(const std::string& command_path, const std::string& summary,
             const std::vector<Subcommand>& subcommands, const std::vector<std::string>& args,
             std::ostream& out, std::ostream& err);

}  // namespace bosun::cli
