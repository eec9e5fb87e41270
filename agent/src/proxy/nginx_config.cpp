#include "proxy/nginx_config.hpp"

namespace bosun::agent::proxy {

std::string nginx_config(const NginxSite& site) {
  const std::string tmp = site.dir + "/tmp";
  std::string tls;
  if (!site.tls_listen.empty()) {
    tls = "        listen " + site.tls_listen + " ssl;\n        ssl_certificate " +
          site.certificate + ";\n        ssl_certificate_key " + site.key +
          ";\n        ssl_protocols TLSv1.2 TLSv1.3;\n";
  }
  return "# Written by bosun-agent nginx-server at each start: edits are replaced.\n"
         "worker_processes auto;\n"
         "pid " +
         site.dir +
         "/nginx.pid;\nerror_log stderr notice;\n\nevents {\n    worker_connections 4096;\n}\n\n"
         "http {\n    access_log off;\n"
         "    client_body_temp_path " +
         tmp + "/body;\n    proxy_temp_path " + tmp + "/proxy;\n    fastcgi_temp_path " + tmp +
         "/fastcgi;\n    uwsgi_temp_path " + tmp + "/uwsgi;\n    scgi_temp_path " + tmp +
         "/scgi;\n\n    include " + site.upstream_file + ";\n\n    server {\n        listen " +
         site.listen + ";\n" + tls + "        server_name " + site.server_name +
         ";\n        location / {\n            proxy_pass http://" + site.upstream +
         ";\n            proxy_http_version 1.1;\n"
         "            proxy_set_header Connection \"\";\n"
         "            proxy_set_header Host $host;\n"
         "            proxy_set_header X-Real-IP $remote_addr;\n"
         "            proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;\n"
         "            proxy_set_header X-Forwarded-Proto $scheme;\n"
         "        }\n    }\n}\n";
}

std::string placeholder_upstream(const std::string& name) {
  return "# Written by bosun-agent nginx-server until the first instance is ready.\n"
         "upstream " +
         name + " {\n    server 127.0.0.1:1 down;\n}\n";
}

}  // namespace bosun::agent::proxy
