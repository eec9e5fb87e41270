#pragma once
// What deploy: proxy acts on besides processes, behind one interface: the ports an instance
// can take, the nginx upstream that says which instance serves, and the connections an old
// instance still has. proxy/nginx_upstream.hpp is the real one; the supervision's unit tests
// use a recording fake.

#include <cstdint>
#include <string>

#include "supervise/service_spec.hpp"

namespace bosun::agent::supervise {

struct UpstreamSwitch {
  bool ok = false;
  std::string detail;  // what was done, or why not ("nginx -t failed: ...")
};

class ProxyControl {
 public:
  virtual ~ProxyControl() = default;
  // No one listens on 127.0.0.1:port.
  virtual bool port_free(std::uint16_t port) = 0;
  // The port the upstream file sends traffic to; 0 when there is no file (or no server in it).
  virtual std::uint16_t upstream_port(const ProxyPlan& plan) = 0;
  // Points the upstream at `port`: writes the file, runs the test, then the reload. A failed
  // test puts the old file back. `must_reload`: a failed reload fails the switch too (an old
  // instance is serving); on a first start nginx may not run yet, and reads the file when it
  // starts.
  virtual UpstreamSwitch switch_upstream(const ProxyPlan& plan, std::uint16_t port,
                                         bool must_reload) = 0;
  // Established TCP connections whose local port is `port` (an instance's open requests).
  virtual int open_connections(std::uint16_t port) = 0;
  // The last reload is complete: nginx's workers from before it (which still proxy to the
  // old instance) have exited.
  virtual bool reload_settled(const ProxyPlan& plan) = 0;
};

}  // namespace bosun::agent::supervise
