#pragma once
// `bosun-agent session`: many agent commands over one long-running command, so that the
// controller needs one SSH exec (and one login shell) per host for a whole deploy. Each
// request is one line on stdin, a JSON array of the arguments of a bosun-agent subcommand
// (["releases", "--root", "/srv/app", "--json"]); the command's output (stdout and stderr)
// follows as it comes, then one line {"session":"done","exit":N}. The end of stdin ends the
// session. While the session waits for requests it renews a lock it took, so a stage waiting
// for its turn keeps its locks; once the controller is gone they expire with their TTL.

#include <chrono>
#include <functional>
#include <iosfwd>
#include <string>
#include <vector>

namespace bosun::agent::cli {

// Runs one bosun-agent subcommand (the CLI's dispatcher), returning its exit code.
using SubcommandRunner =
    std::function<int(const std::vector<std::string>& args, std::ostream& out, std::ostream& err)>;

// Reads requests from `input_fd` until it ends; a lock taken in the session is renewed every
// `renew_every` while the session waits. A session that holds no lock and sends no request
// for `idle_timeout` ends.
int session_command(const std::vector<std::string>& args, std::ostream& out, std::ostream& err,
                    const SubcommandRunner& run_subcommand, int input_fd = 0,
                    std::chrono::milliseconds renew_every = std::chrono::seconds(20),
                    std::chrono::milliseconds idle_timeout = std::chrono::minutes(10));

}  // namespace bosun::agent::cli
