#include "http_stub.hpp"

#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

namespace bosun::test {

CannedHttpServer::CannedHttpServer(std::string response, std::chrono::milliseconds delay)
    : m_response(std::move(response)), m_delay(delay) {
  m_fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ::bind(m_fd, reinterpret_cast<sockaddr*>(&address), sizeof address);
  socklen_t length = sizeof address;
  ::getsockname(m_fd, reinterpret_cast<sockaddr*>(&address), &length);
  m_port = ntohs(address.sin_port);
  ::listen(m_fd, 16);
  m_thread = std::thread([this] { serve(); });
}

CannedHttpServer::~CannedHttpServer() {
  m_stop = true;
  ::shutdown(m_fd, SHUT_RDWR);
  m_thread.join();
  ::close(m_fd);
}

std::string CannedHttpServer::url(const std::string& path) const {
  return "http://127.0.0.1:" + std::to_string(m_port) + path;
}

void CannedHttpServer::serve() {
  while (!m_stop) {
    const int client = ::accept4(m_fd, nullptr, nullptr, SOCK_CLOEXEC);
    if (client < 0) {
      return;
    }
    char buffer[4096];
    (void)!::recv(client, buffer, sizeof buffer, 0);
    std::this_thread::sleep_for(m_delay);
    (void)!::send(client, m_response.data(), m_response.size(), MSG_NOSIGNAL);
    ::close(client);
  }
}

std::string http_response(int status, const std::string& type, const std::string& body) {
  return "HTTP/1.1 " + std::to_string(status) + " X\r\nContent-Type: " + type +
         "\r\nContent-Length: " + std::to_string(body.size()) + "\r\nConnection: close\r\n\r\n" +
         body;
}

}  // namespace bosun::test
