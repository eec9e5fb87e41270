// The certificate a TLS endpoint presents, and how long until it expires.

#include <fcntl.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <memory>

#include "bosun/checks/host_checks.hpp"
#include "cert_expiry.hpp"
#include "socket_util.hpp"

namespace bosun::checks {

CheckResult check_certificate_endpoint(const std::string& host, std::uint16_t port,
                                       std::chrono::milliseconds timeout, int warn_days) {
  const auto start = detail::Clock::now();
  const std::string where = host + ":" + std::to_string(port);
  std::string error;
  const int fd = detail::connect_with_deadline(host, port, start + timeout, error);
  if (fd < 0) {
    return detail::make_result(Status::fail, "cannot connect to " + where + ": " + error,
                               "check that the TLS endpoint is up", start);
  }
  const auto left =
      std::chrono::duration_cast<std::chrono::microseconds>(start + timeout - detail::Clock::now());
  const timeval limit{
      static_cast<time_t>(std::max<std::int64_t>(0, left.count()) / 1'000'000),
      static_cast<suseconds_t>(std::max<std::int64_t>(1, left.count()) % 1'000'000)};
  // Blocking from here on, bounded by the socket timeouts (the connect was non-blocking).
  ::fcntl(fd, F_SETFL, ::fcntl(fd, F_GETFL) & ~O_NONBLOCK);
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &limit, sizeof limit);
  ::setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &limit, sizeof limit);
  std::unique_ptr<SSL_CTX, decltype(&SSL_CTX_free)> context(SSL_CTX_new(TLS_client_method()),
                                                            SSL_CTX_free);
  std::unique_ptr<SSL, decltype(&SSL_free)> tls(SSL_new(context.get()), SSL_free);
  SSL_set_fd(tls.get(), fd);
  // SNI, so the endpoint presents the certificate for this name (the macro form of this call
  // casts in the old style).
  SSL_ctrl(tls.get(), SSL_CTRL_SET_TLSEXT_HOSTNAME, TLSEXT_NAMETYPE_host_name,
           const_cast<char*>(host.c_str()));
  const bool connected = SSL_connect(tls.get()) == 1;
  X509* certificate = connected ? SSL_get_peer_certificate(tls.get()) : nullptr;
  ::close(fd);
  if (certificate == nullptr) {
    char reason[256] = "no certificate presented";
    if (const unsigned long code = ERR_get_error(); code != 0) {
      ERR_error_string_n(code, reason, sizeof reason);
    }
    ERR_clear_error();
    return detail::make_result(Status::fail, "no TLS handshake with " + where + ": " + reason,
                               "check that the port speaks TLS", start);
  }
  CheckResult result =
      detail::expiry_result(certificate, "the certificate of " + where, warn_days, start);
  X509_free(certificate);
  return result;
}

}  // namespace bosun::checks
