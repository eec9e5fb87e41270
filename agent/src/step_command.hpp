#pragma once
// Runs one command of a deploy step (a build command, a migration, a backup command, a
// playbook `run:` hook) to completion: its own process group, output appended to a log
// file, a timeout after which the whole group is killed. Blocking; the pipeline calls it
// from its own thread.

#include <chrono>
#include <map>
#include <string>
#include <vector>

namespace bosun::agent {

struct StepCommand {
  std::vector<std::string> argv;
  std::map<std::string, std::string> env;  // the whole environment
  std::string cwd;
  std::string log_path;  // stdout and stderr, appended
  std::chrono::milliseconds timeout{600'000};
};

struct StepCommandResult {
  bool started = false;    // false: nothing ran (see `error`)
  bool timed_out = false;  // killed after the timeout
  int exit_code = -1;      // when it exited normally
  int signal = 0;          // when a signal ended it
  std::chrono::milliseconds took{0};
  std::string error;  // why it could not start

  bool succeeded() const { return started && !timed_out && signal == 0 && exit_code == 0; }
  std::string describe() const;  // "exited with code 2", "timed out after 5m", ...
};

StepCommandResult run_step_command(const StepCommand& command);

}  // namespace bosun::agent
