#include "socket_util.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>

namespace bosun::checks::detail {
namespace {

int remaining_ms(std::chrono::steady_clock::time_point deadline) {
  const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
      deadline - std::chrono::steady_clock::now());
  return left.count() < 0 ? 0 : static_cast<int>(left.count());
}

}  // namespace

int connect_with_deadline(const std::string& host, std::uint16_t port,
                          std::chrono::steady_clock::time_point deadline, std::string& error) {
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* found = nullptr;
  const int rc = ::getaddrinfo(host.c_str(), std::to_string(port).c_str(), &hints, &found);
  if (rc != 0) {
    error = "cannot resolve " + host + ": " + ::gai_strerror(rc);
    return -1;
  }
  int fd = -1;
  for (addrinfo* address = found; address != nullptr; address = address->ai_next) {
    fd = ::socket(address->ai_family, address->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0) {
      continue;
    }
    if (::connect(fd, address->ai_addr, address->ai_addrlen) == 0) {
      break;
    }
    if (errno == EINPROGRESS) {
      pollfd waiting{fd, POLLOUT, 0};
      if (::poll(&waiting, 1, remaining_ms(deadline)) == 1) {
        int so_error = 0;
        socklen_t length = sizeof so_error;
        ::getsockopt(fd, SOL_SOCKET, SO_ERROR, &so_error, &length);
        if (so_error == 0) {
          break;
        }
        error = std::strerror(so_error);
      } else {
        error = "timed out";
      }
    } else {
      error = std::strerror(errno);
    }
    ::close(fd);
    fd = -1;
  }
  ::freeaddrinfo(found);
  if (fd < 0 && error.empty()) {
    error = "no address";
  }
  return fd;
}

bool exchange(int fd, const std::string& data, std::string& reply,
              std::chrono::steady_clock::time_point deadline,
              bool (*enough)(const std::string& reply)) {
  std::size_t sent = 0;
  while (sent < data.size()) {
    const ssize_t n = ::send(fd, data.data() + sent, data.size() - sent, MSG_NOSIGNAL);
    if (n > 0) {
      sent += static_cast<std::size_t>(n);
      continue;
    }
    if (n < 0 && errno == EAGAIN) {
      pollfd waiting{fd, POLLOUT, 0};
      if (::poll(&waiting, 1, remaining_ms(deadline)) != 1) {
        return false;
      }
      continue;
    }
    return false;
  }
  char buffer[4096];
  while (!enough(reply)) {
    pollfd waiting{fd, POLLIN, 0};
    if (::poll(&waiting, 1, remaining_ms(deadline)) != 1) {
      return false;
    }
    const ssize_t n = ::recv(fd, buffer, sizeof buffer, 0);
    if (n <= 0) {
      return n == 0 && enough(reply);
    }
    reply.append(buffer, static_cast<std::size_t>(n));
    if (reply.size() > 1024 * 1024) {
      return true;  // more than any check needs
    }
  }
  return true;
}

std::string format_micros(std::chrono::microseconds took) {
  char text[32];
  std::snprintf(text, sizeof text, "%.1fms", static_cast<double>(took.count()) / 1000.0);
  return text;
}

}  // namespace bosun::checks::detail
