#include "cert_expiry.hpp"

#include <openssl/asn1.h>

namespace bosun::checks::detail {

CheckResult expiry_result(X509* certificate, const std::string& what, int warn_days,
                          Clock::time_point start) {
  int days = 0;
  int seconds = 0;
  if (ASN1_TIME_diff(&days, &seconds, nullptr, X509_get0_notAfter(certificate)) != 1) {
    return make_result(Status::fail, "cannot read the expiry of " + what, "check the certificate",
                       start);
  }
  if (days < 0 || (days == 0 && seconds <= 0)) {
    return make_result(Status::fail, what + " expired " + std::to_string(-days) + " day(s) ago",
                       "renew the certificate", start);
  }
  const std::string observed = what + " expires in " + std::to_string(days) + " day(s)";
  if (days <= warn_days) {
    return make_result(Status::warn, observed, "renew the certificate soon", start);
  }
  return make_result(Status::pass, observed, "", start);
}

}  // namespace bosun::checks::detail
