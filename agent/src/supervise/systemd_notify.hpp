#pragma once
// systemd's readiness protocol without libsystemd: one datagram to $NOTIFY_SOCKET, nothing when
// the agent does not run under systemd (Type=notify in the unit bosun setup writes).

#include <string>

namespace bosun::agent::supervise {

void notify_systemd(const std::string& message);

}  // namespace bosun::agent::supervise
