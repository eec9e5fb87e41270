// `bosun-agent nginx-server --dir DIR --listen ADDR --upstream NAME --upstream-file FILE`: the
// command of a service that runs nginx for the app on a host that has none. It writes
// DIR/nginx.conf (proxy/nginx_config.hpp), a placeholder upstream while FILE is missing, then
// becomes nginx in the foreground, so the agent supervises nginx itself.
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>

#include <filesystem>
#include <fstream>

#include "bosun/common/cli.hpp"
#include "bosun/common/environment.hpp"
#include "bosun/common/exit_codes.hpp"
#include "bosun/common/program_path.hpp"
#include "cli/agent_commands.hpp"
#include "proxy/nginx_config.hpp"

namespace bosun::agent::cli {

namespace {

bool write_file(const std::string& path, const std::string& text) {
  std::ofstream out(path, std::ios::trunc);
  out << text;
  return static_cast<bool>(out.flush());
}

}  // namespace

int nginx_server_command(const CommandArgs& args, std::ostream& out, std::ostream& err) {
  proxy::NginxSite site;
  bosun::cli::ArgParser parser(
      "bosun-agent nginx-server",
      "Run nginx as one of the app's services, in front of a deploy: proxy service: writes "
      "DIR/nginx.conf (one server block proxying to the upstream, TLS with your certificate "
      "and key when given), then becomes nginx in the foreground.");
  parser
      .option("dir", 0, "DIR", "where nginx.conf, nginx.pid and tmp/ go, e.g. ${shared}/nginx",
              site.dir)
      .option("listen", 0, "ADDR", "what nginx listens on: 80, 127.0.0.1:8080, [::]:80",
              site.listen)
      .option("upstream", 0, "NAME", "the upstream to proxy to (the service's proxy.name)",
              site.upstream)
      .option("upstream-file", 0, "FILE", "the file deploy: proxy writes (proxy.upstream)",
              site.upstream_file)
      .option("server-name", 0, "NAME", "server_name (default _: any)", site.server_name)
      .option("tls-listen", 0, "ADDR", "also listen here with TLS, e.g. 443", site.tls_listen)
      .option("certificate", 0, "FILE", "the TLS certificate chain (with --tls-listen)",
              site.certificate)
      .option("key", 0, "FILE", "the TLS private key (with --tls-listen)", site.key)
      .epilog(
          "The deploy: proxy service then tests and reloads this nginx with\n"
          "  test: [nginx, -t, -q, -c, DIR/nginx.conf]\n"
          "  reload: [nginx, -s, reload, -c, DIR/nginx.conf]\n"
          "Exit status: it becomes nginx; 2 bad usage, 1 when nginx cannot be run.\n");
  if (const auto code = parser.parse_or_exit_code(args, out, err)) {
    return *code;
  }
  const std::string command = "bosun-agent nginx-server";
  if (site.dir.empty() || site.listen.empty() || site.upstream.empty() ||
      site.upstream_file.empty()) {
    err << command << ": give --dir, --listen, --upstream and --upstream-file (see --help)\n";
    return exit_code::k_invalid_input;
  }
  if (!site.tls_listen.empty() && (site.certificate.empty() || site.key.empty())) {
    err << command << ": --tls-listen needs --certificate and --key\n";
    return exit_code::k_invalid_input;
  }
  site.dir = std::filesystem::absolute(site.dir).string();
  std::error_code error;
  std::filesystem::create_directories(site.dir + "/tmp", error);
  std::filesystem::create_directories(std::filesystem::path(site.upstream_file).parent_path(),
                                      error);
  if (!std::filesystem::exists(site.upstream_file) &&
      !write_file(site.upstream_file, proxy::placeholder_upstream(site.upstream))) {
    err << command << ": cannot write " << site.upstream_file << "\n";
    return exit_code::k_failed;
  }
  if (!write_file(site.config_path(), proxy::nginx_config(site))) {
    err << command << ": cannot write " << site.config_path() << "\n";
    return exit_code::k_failed;
  }
  const char* path = std::getenv("PATH");
  const std::string nginx =
      find_program("nginx", path != nullptr ? path : "/usr/sbin:/usr/bin:/sbin:/bin");
  const std::string config = site.config_path();
  const char* argv[] = {nginx.c_str(), "-c", config.c_str(), "-g", "daemon off;", nullptr};
  ::execv(nginx.c_str(), const_cast<char* const*>(argv));
  err << command << ": cannot run " << nginx << ": " << std::strerror(errno)
      << " (install nginx: apt-get install nginx)\n";
  return exit_code::k_failed;
}

}  // namespace bosun::agent::cli
