#pragma once
// The controller commands that ask every host of a stage something: status (in
// status_command.cpp), gap (the requirements on the laptop and every host, side by side, in
// gap_command.cpp), releases, ready, logs, restart, lock, history.

#include <ostream>
#include <string>
#include <vector>

namespace bosun::controller::cli {

int status_command(const std::vector<std::string>& args, std::ostream& out, std::ostream& err);
int releases_command(const std::vector<std::string>& args, std::ostream& out, std::ostream& err);
int ready_command(const std::vector<std::string>& args, std::ostream& out, std::ostream& err);
int logs_command(const std::vector<std::string>& args, std::ostream& out, std::ostream& err);
int restart_command(const std::vector<std::string>& args, std::ostream& out, std::ostream& err);
int lock_command(const std::vector<std::string>& args, std::ostream& out, std::ostream& err);
int history_command(const std::vector<std::string>& args, std::ostream& out, std::ostream& err);
int gap_command(const std::vector<std::string>& args, std::ostream& out, std::ostream& err);

}  // namespace bosun::controller::cli
