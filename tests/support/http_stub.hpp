#pragma once
// Test support: a tiny HTTP server on a free loopback port that answers every connection
// with one canned response (JSON, an HTML error page, a slow answer...).

#include <atomic>
#include <chrono>
#include <cstdint>
#include <string>
#include <thread>

namespace bosun::test {

class CannedHttpServer {
 public:
  explicit CannedHttpServer(std::string response,
                            std::chrono::milliseconds delay = std::chrono::milliseconds(0));
  ~CannedHttpServer();
  CannedHttpServer(const CannedHttpServer&) = delete;
  CannedHttpServer& operator=(const CannedHttpServer&) = delete;

  std::uint16_t port() const { return m_port; }
  std::string url(const std::string& path) const;

 private:
  void serve();

  std::string m_response;
  std::chrono::milliseconds m_delay;
  int m_fd = -1;
  std::uint16_t m_port = 0;
  std::atomic<bool> m_stop{false};
  std::thread m_thread;
};

// "HTTP/1.1 STATUS X" with Content-Type, Content-Length and the body.
std::string http_response(int status, const std::string& type, const std::string& body);

}  // namespace bosun::test
