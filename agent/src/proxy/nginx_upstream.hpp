#pragma once
// deploy: proxy's real side effects: ports tried by binding them, the upstream as an nginx
// include file written atomically, `nginx -t` (the old file put back when it fails) and the
// reload run with a timeout, their output appended to the plan's log, and open connections
// read from /proc/net/tcp and tcp6.

#include <memory>

#include "supervise/proxy_control.hpp"

namespace bosun::agent::proxy {

std::unique_ptr<supervise::ProxyControl> nginx_proxy_control();

// The include file for `port`: "upstream NAME { server 127.0.0.1:PORT; }" with a comment
// saying who wrote it.
std::string upstream_file_text(const supervise::ProxyPlan& plan, std::uint16_t port);

// The port of the first `server 127.0.0.1:PORT` in such a file; 0 when none.
std::uint16_t port_in_upstream_file(const std::string& text);

}  // namespace bosun::agent::proxy
