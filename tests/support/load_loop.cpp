#include "load_loop.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <sstream>

namespace bosun::test {
namespace {

using Clock = std::chrono::steady_clock;

class Socket {
 public:
  Socket() : m_fd(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0)) {}
  ~Socket() {
    if (m_fd >= 0) {
      ::close(m_fd);
    }
  }
  Socket(const Socket&) = delete;
  Socket& operator=(const Socket&) = delete;
  int fd() const { return m_fd; }

 private:
  int m_fd;
};

int remaining_ms(Clock::time_point deadline) {
  const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
  return left.count() > 0 ? static_cast<int>(left.count()) : 0;
}

// Waits for `events` on `fd` until the deadline; false on timeout.
bool wait_for(int fd, short events, Clock::time_point deadline) {
  pollfd entry{fd, events, 0};
  while (true) {
    const int ready = ::poll(&entry, 1, remaining_ms(deadline));
    if (ready > 0) {
      return true;
    }
    if (ready == 0 || errno != EINTR) {
      return false;
    }
  }
}

std::string version_in(const std::string& body) {
  const std::size_t key = body.find("\"version\"");
  if (key == std::string::npos) {
    return "";
  }
  const std::size_t open = body.find('"', body.find(':', key) + 1);
  const std::size_t close = open == std::string::npos ? open : body.find('"', open + 1);
  return close == std::string::npos ? "" : body.substr(open + 1, close - open - 1);
}

std::string failure(const char* what) {
  return std::string(what) + ": " + std::strerror(errno);
}

}  // namespace

LoadSample request_once(unsigned short port, const std::string& path,
                        std::chrono::milliseconds timeout) {
  LoadSample sample;
  sample.began = Clock::now();
  const auto deadline = sample.began + timeout;
  const auto finish = [&](std::string error) {
    sample.error = std::move(error);
    sample.ok = sample.error.empty();
    sample.latency_ms =
        std::chrono::duration<double, std::milli>(Clock::now() - sample.began).count();
    return sample;
  };
  Socket socket;
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(port);
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(socket.fd(), reinterpret_cast<const sockaddr*>(&address), sizeof address) != 0) {
    if (errno != EINPROGRESS) {
      return finish(failure("connect"));
    }
    if (!wait_for(socket.fd(), POLLOUT, deadline)) {
      return finish("connect: timed out");
    }
    int error = 0;
    socklen_t size = sizeof error;
    ::getsockopt(socket.fd(), SOL_SOCKET, SO_ERROR, &error, &size);
    if (error != 0) {
      errno = error;
      return finish(failure("connect"));
    }
  }
  const std::string request =
      "GET " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n";
  if (::send(socket.fd(), request.data(), request.size(), MSG_NOSIGNAL) !=
      static_cast<ssize_t>(request.size())) {
    return finish(failure("send"));
  }
  std::string reply;
  char buffer[4096];
  while (true) {
    if (!wait_for(socket.fd(), POLLIN, deadline)) {
      return finish("no answer within " + std::to_string(timeout.count()) + " ms");
    }
    const ssize_t got = ::recv(socket.fd(), buffer, sizeof buffer, 0);
    if (got < 0 && (errno == EAGAIN || errno == EINTR)) {
      continue;
    }
    if (got < 0) {
      return finish(failure("recv"));
    }
    if (got == 0) {
      break;
    }
    reply.append(buffer, static_cast<std::size_t>(got));
  }
  if (reply.empty()) {
    return finish("the connection closed without an answer");
  }
  const std::size_t space = reply.find(' ');
  const std::string status = space == std::string::npos ? "" : reply.substr(space + 1, 3);
  const std::size_t body = reply.find("\r\n\r\n");
  sample.version = body == std::string::npos ? "" : version_in(reply.substr(body + 4));
  return finish(status == "200" ? "" : "status " + status);
}

std::string LoadSummary::describe() const {
  std::ostringstream out;
  out << ok << " ok, " << failed << " failed";
  const char* separator = "; ";
  for (const auto& [version, count] : versions) {
    out << separator << (version.empty() ? "(none)" : version) << ": " << count;
    separator = ", ";
  }
  for (const std::string& error : errors) {
    out << "\n  " << error;
  }
  return out.str();
}

LoadSummary summarize(const std::vector<LoadSample>& samples) {
  LoadSummary summary;
  const Clock::time_point start = samples.empty() ? Clock::now() : samples.front().began;
  for (const LoadSample& sample : samples) {
    if (sample.ok) {
      ++summary.ok;
      ++summary.versions[sample.version];
      continue;
    }
    ++summary.failed;
    summary.refused += sample.error.starts_with("connect") ? 1 : 0;
    if (summary.errors.size() < 10) {
      const auto at =
          std::chrono::duration_cast<std::chrono::milliseconds>(sample.began - start).count();
      summary.errors.push_back("at " + std::to_string(at) + " ms: " + sample.error);
    }
  }
  return summary;
}

LoadLoop::LoadLoop(unsigned short port, std::string path, std::chrono::milliseconds timeout,
                   std::chrono::minutes cap)
    : m_port(port), m_path(std::move(path)), m_timeout(timeout), m_end(Clock::now() + cap) {
  m_thread = std::thread([this] { run(); });
}

LoadLoop::~LoadLoop() {
  stop();
}

void LoadLoop::run() {
  while (!m_stop && Clock::now() < m_end) {
    LoadSample sample = request_once(m_port, m_path, m_timeout);
    if (sample.ok) {
      ++m_ok;
    }
    const std::lock_guard<std::mutex> lock(m_mutex);
    m_samples.push_back(std::move(sample));
  }
}

std::vector<LoadSample> LoadLoop::stop() {
  m_stop = true;
  if (m_thread.joinable()) {
    m_thread.join();
  }
  return samples();
}

std::vector<LoadSample> LoadLoop::samples() const {
  const std::lock_guard<std::mutex> lock(m_mutex);
  return m_samples;
}

bool LoadLoop::wait_for_answers(int count, std::chrono::milliseconds timeout) {
  const int goal = m_ok + count;
  const auto deadline = Clock::now() + timeout;
  while (m_ok < goal) {
    if (Clock::now() >= deadline || m_stop) {
      return false;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  return true;
}

}  // namespace bosun::test
