#pragma once
// The nginx that bosun runs itself (`bosun-agent nginx-server`) for a host that has none: one
// server block proxying to the upstream that deploy: proxy switches, with TLS when given the
// user's certificate and key. Pure: the configuration is text made from data, tested as such.

#include <cstdint>
#include <string>

namespace bosun::agent::proxy {

struct NginxSite {
  std::string dir;            // nginx.conf, nginx.pid and tmp/ live here
  std::string listen;         // "127.0.0.1:8080", "80", "[::]:80"
  std::string upstream;       // the upstream's name (proxy.name)
  std::string upstream_file;  // the include deploy: proxy writes (proxy.upstream)
  std::string server_name = "_";
  std::string tls_listen;  // e.g. "443"; empty: no TLS
  std::string certificate;
  std::string key;

  std::string config_path() const { return dir + "/nginx.conf"; }
};

std::string nginx_config(const NginxSite& site);

// What the upstream file holds until the first instance is ready: a server marked down, so
// that nginx starts and answers 502 instead of refusing to start.
std::string placeholder_upstream(const std::string& name);

}  // namespace bosun::agent::proxy
