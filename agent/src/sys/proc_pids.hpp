#pragma once
// The pids of every process on the host, from /proc: for the scans that look for a service's
// process group (a socket to take back) or nginx's workers.

#include <sys/types.h>

#include <vector>

namespace bosun::agent::sys {

std::vector<pid_t> all_pids();

}  // namespace bosun::agent::sys
