#pragma once
// What /proc says about processes, for the scans that look for a service's process group and
// the sockets it holds (a socket to take back, the ports it listens on) or nginx's workers.

#include <sys/types.h>

#include <map>
#include <vector>

namespace bosun::agent::sys {

std::vector<pid_t> all_pids();

// `leader` and every process in its process group (gunicorn's workers, a shell's child).
std::vector<pid_t> process_group(pid_t leader);

// The sockets `pid` holds: its descriptor numbers and each one's socket inode.
std::map<int, unsigned long> socket_descriptors(pid_t pid);

}  // namespace bosun::agent::sys
