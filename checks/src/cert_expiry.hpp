#pragma once
// Internal: days until a certificate expires, as a check result (shared by the PEM file and
// the TLS endpoint checks).

#include <openssl/x509.h>

#include <string>

#include "bosun/checks/check_runner.hpp"
#include "make_result.hpp"

namespace bosun::checks::detail {

CheckResult expiry_result(X509* certificate, const std::string& what, int warn_days,
                          Clock::time_point start);

}  // namespace bosun::checks::detail
