#pragma once
// Runs one command of a deploy step (a build command, a migration, a backup command, a
// playbook `run:` hook) to completion: its own process group, output appended to a log
// file, a timeout after which the whole group is killed. Blocking; the pipeline calls it
// from its own thread.

#include <chrono>
#include <map>
#include <string>
#include <vector>

#include "bosun/manifest/model.hpp"

namespace bosun::agent::deploy::steps {

struct StepCommand {
  std::vector<std::string> argv;
  std::map<std::string, std::string> env;  // the whole environment
  std::string cwd;
  std::string log_path;  // stdout and stderr, appended
  std::chrono::milliseconds timeout{600'000};
  // Where its pid is recorded while it runs, so that an agent starting after a crash can
  // kill what the dead agent left running (kill_leftover_step). Empty: not recorded.
  std::string pid_record;
  std::string stdout_path{};  // when set: stdout goes here, only stderr to the log
  std::string user{};         // the account it runs as (the manifest's steps_user); "": the agent's
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

// A manifest command as argv with its ${...} variables expanded (manifest::expand_command:
// the `sh:` form becomes /bin/sh -c). Throws std::runtime_error naming a variable without a
// value; a deploy step reports it as its failure.
std::vector<std::string> command_argv(const manifest::Command& command,
                                      const std::map<std::string, std::string>& variables);

// Kills the process group recorded at `pid_record` if that process still runs (an agent
// died while a step command ran), and removes the record. Returns the pid killed, or -1.
int kill_leftover_step(const std::string& pid_record);

}  // namespace bosun::agent::deploy::steps
