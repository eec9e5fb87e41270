#pragma once
// Internal: a TCP connection with a deadline, for the tcp, redis and http checks.

#include <chrono>
#include <cstdint>
#include <string>

namespace bosun::checks::detail {

// Connects to host:port before the deadline; returns the fd, or -1 and a reason.
int connect_with_deadline(const std::string& host, std::uint16_t port,
                          std::chrono::steady_clock::time_point deadline, std::string& error);

// Sends all of `data`, then reads until `enough` returns true, EOF or the deadline.
bool exchange(int fd, const std::string& data, std::string& reply,
              std::chrono::steady_clock::time_point deadline,
              bool (*enough)(const std::string& reply));

std::string format_micros(std::chrono::microseconds took);

}  // namespace bosun::checks::detail
