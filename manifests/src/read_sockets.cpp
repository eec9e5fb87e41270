// Where a service is reached: `listen:`, the socket the agent binds for it ("127.0.0.1:8000",
// "[::1]:8000", a bare port on loopback, or {address, port, backlog, name}); and `proxy:`,
// the nginx upstream bosun switches between instances on ports of their own.

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
    MapReader map(context, field, {"address", "port", "backlog", "name", "drain_timeout"});
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
    if (const Field* f = map.get("drain_timeout")) {
      assign(listen.drain_timeout, read_duration(context, *f));
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

namespace {

// "3100-3199" (or a single port) into first and last.
bool read_port_range(ReadContext& context, const Field& field, ProxySpec& proxy) {
  const auto text = read_string(context, field);
  if (!text) {
    return false;
  }
  const std::size_t dash = text->find('-');
  const auto first = parse_port(text->substr(0, dash));
  const auto last = dash == std::string::npos ? first : parse_port(text->substr(dash + 1));
  if (!first || !last || *last < *first || *last - *first < 1) {
    context.diagnostics.error(field.value_where, field.path,
                              "expected a range of at least two ports, e.g. 3100-3199 (the old "
                              "and the new instance each need one)");
    return false;
  }
  proxy.first_port = *first;
  proxy.last_port = *last;
  return true;
}

}  // namespace

std::optional<ProxySpec> read_proxy(ReadContext& context, const Field& field) {
  MapReader map(context, field,
                {"ports", "upstream", "name", "test", "reload", "drain_timeout", "pid_file"});
  if (!map.valid()) {
    return std::nullopt;
  }
  ProxySpec proxy;
  proxy.where = field.value_where;
  bool ok = true;
  if (const Field* f = map.require("ports")) {
    ok &= read_port_range(context, *f, proxy);
  } else {
    ok = false;
  }
  if (const Field* f = map.get("upstream")) {
    proxy.upstream = read_string(context, *f).value_or("");
    if (!proxy.upstream.empty() && !proxy.upstream.starts_with("/") &&
        !proxy.upstream.starts_with("${")) {
      context.diagnostics.error(f->value_where, f->path,
                                "must be an absolute path, e.g. /etc/nginx/bosun/web.conf");
      ok = false;
    }
  }
  if (const Field* f = map.get("name")) {
    const auto name = read_string(context, *f);
    if (name &&
        (name->empty() ||
         name->find_first_not_of("abcdefghijklmnopqrstuvwxyz"
                                 "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_") != std::string::npos)) {
      context.diagnostics.error(f->value_where, f->path,
                                "an nginx upstream name: letters, digits and _");
      ok = false;
    }
    proxy.name = name.value_or("");
  }
  for (const auto& [key, target] :
       {std::pair{"test", &proxy.test}, std::pair{"reload", &proxy.reload}}) {
    if (const Field* f = map.get(key)) {
      auto command = read_command(context, *f);
      ok &= command.has_value();
      *target = command.value_or(*target);
    }
  }
  if (const Field* f = map.get("pid_file")) {
    proxy.pid_file = read_string(context, *f).value_or(proxy.pid_file);
  }
  if (const Field* f = map.get("drain_timeout")) {
    ok &= assign(proxy.drain_timeout, read_duration(context, *f));
  }
  return ok ? std::optional(proxy) : std::nullopt;
}

}  // namespace bosun::manifest::detail
