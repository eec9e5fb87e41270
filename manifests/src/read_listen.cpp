// A service's `listen:`: the socket the agent binds for it. "127.0.0.1:8000", "[::1]:8000",
// a bare port (loopback), or {address, port, backlog, name}.

#include <arpa/inet.h>

#include "bosun/common/text.hpp"
#include "bosun/common/url.hpp"
#include "readers.hpp"

namespace bosun::manifest::detail {
namespace {

bool is_ip_literal(const std::string& host) {
  unsigned char buffer[16];
  return ::inet_pton(AF_INET, host.c_str(), buffer) == 1 ||
         ::inet_pton(AF_INET6, host.c_str(), buffer) == 1;
}

void check_host(ReadContext& context, const Field& field, const std::string& host) {
  if (!is_ip_literal(host)) {
    context.diagnostics.error(field.value_where, field.path,
                              quote_for_message(host) +
                                  " is not an IP address: write 127.0.0.1, 0.0.0.0 (every "
                                  "interface), ::1 or ::");
  }
}

}  // namespace

std::optional<ListenSpec> read_listen(ReadContext& context, const Field& field) {
  ListenSpec listen;
  listen.where = field.value_where;
  if (field.value.IsMap()) {
    MapReader map(context, field, {"address", "port", "backlog", "name"});
    if (!map.valid()) {
      return std::nullopt;
    }
    if (const Field* f = map.get("address")) {
      listen.host = read_string(context, *f).value_or(listen.host);
      check_host(context, *f, listen.host);
    }
    if (const Field* f = map.require("port")) {
      listen.port = read_port(context, *f).value_or(0);
    }
    if (const Field* f = map.get("backlog")) {
      listen.backlog = static_cast<int>(read_int(context, *f, 1, 65535).value_or(listen.backlog));
    }
    if (const Field* f = map.get("name")) {
      listen.name = read_name(context, *f, "socket name").value_or("");
    }
    return listen;
  }
  const auto text = read_string(context, field);
  if (!text) {
    return std::nullopt;
  }
  if (const auto bare = parse_port(*text)) {  // a port alone: loopback
    listen.port = *bare;
    return listen;
  }
  const auto split = split_authority(*text);
  const auto port = split ? parse_port(split->second) : std::nullopt;
  if (!port || split->first.empty()) {
    context.diagnostics.error(field.value_where, field.path,
                              "expected an address and a port from 1 to 65535: 127.0.0.1:8000, "
                              "0.0.0.0:8000, [::1]:8000, or a port alone (loopback)");
    return std::nullopt;
  }
  check_host(context, field, split->first);
  listen.host = split->first;
  listen.port = *port;
  return listen;
}

}  // namespace bosun::manifest::detail
