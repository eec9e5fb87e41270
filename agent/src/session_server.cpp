#include "session_server.hpp"

#include <fcntl.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <list>
#include <mutex>
#include <ostream>
#include <stdexcept>
#include <streambuf>
#include <thread>

namespace bosun::agent {
namespace {

// An ostream's buffer over a socket: written through on flush, failing (and so setting the
// stream's badbit) once the peer is gone, which ends `logs -f` and the like.
class SocketBuffer final : public std::streambuf {
 public:
  explicit SocketBuffer(int fd) : m_fd(fd) { setp(m_buffer, m_buffer + sizeof m_buffer); }

 protected:
  int_type overflow(int_type c) override {
    if (sync() != 0) {
      return traits_type::eof();
    }
    if (!traits_type::eq_int_type(c, traits_type::eof())) {
      *pptr() = traits_type::to_char_type(c);
      pbump(1);
    }
    return traits_type::not_eof(c);
  }

  int sync() override {
    const char* data = pbase();
    std::size_t left = static_cast<std::size_t>(pptr() - pbase());
    while (left > 0) {
      const ssize_t n = ::send(m_fd, data, left, MSG_NOSIGNAL);
      if (n < 0 && errno == EINTR) {
        continue;
      }
      if (n <= 0) {
        return -1;
      }
      data += n;
      left -= static_cast<std::size_t>(n);
    }
    setp(m_buffer, m_buffer + sizeof m_buffer);
    return 0;
  }

 private:
  int m_fd;
  char m_buffer[8192];
};

}  // namespace

// More at once is a client gone wrong: refused, so it cannot exhaust the daemon's threads.
constexpr std::size_t k_most_sessions = 64;

struct SessionServer::Impl {
  struct Session {
    int connection = -1;
    std::thread thread;
    bool done = false;  // under `mutex`
  };

  std::string path;
  SubcommandRunner run_subcommand;
  int listener = -1;
  int wake[2] = {-1, -1};  // stop() writes here to end the accept loop
  std::thread acceptor;
  std::mutex mutex;
  std::list<Session> sessions;

  // Joins the threads of sessions that ended (a daemon lives for months: they must not pile
  // up). Called with `mutex` held; their threads no longer take it.
  void reap() {
    for (auto it = sessions.begin(); it != sessions.end();) {
      if (it->done) {
        it->thread.join();
        it = sessions.erase(it);
      } else {
        ++it;
      }
    }
  }

  void accept_loop() {
    while (true) {
      pollfd fds[2] = {{listener, POLLIN, 0}, {wake[0], POLLIN, 0}};
      if (::poll(fds, 2, -1) < 0) {
        if (errno == EINTR) {
          continue;
        }
        return;
      }
      if ((fds[1].revents & POLLIN) != 0) {
        return;
      }
      const int connection = ::accept4(listener, nullptr, nullptr, SOCK_CLOEXEC);
      if (connection < 0) {
        continue;
      }
      std::lock_guard guard(mutex);
      reap();
      if (sessions.size() >= k_most_sessions) {
        ::close(connection);
        continue;
      }
      Session& session = sessions.emplace_back();
      session.connection = connection;
      session.thread = std::thread([this, &session] { serve(session); });
    }
  }

  void serve(Session& session) {
    SocketBuffer buffer(session.connection);
    std::ostream out(&buffer);
    session_command({}, out, out, run_subcommand, session.connection);
    out.flush();
    std::lock_guard guard(mutex);
    ::close(session.connection);
    session.connection = -1;
    session.done = true;
  }
};

SessionServer::SessionServer(std::string socket_path, SubcommandRunner run_subcommand)
    : m_impl(std::make_unique<Impl>()) {
  m_impl->path = std::move(socket_path);
  m_impl->run_subcommand = std::move(run_subcommand);
}

SessionServer::~SessionServer() {
  stop();
}

void SessionServer::start() {
  Impl& impl = *m_impl;
  sockaddr_un address{};
  address.sun_family = AF_UNIX;
  if (impl.path.size() >= sizeof address.sun_path) {
    throw std::runtime_error("session socket path too long: " + impl.path);
  }
  std::memcpy(address.sun_path, impl.path.c_str(), impl.path.size() + 1);
  ::unlink(impl.path.c_str());  // a stale socket of a dead agent (a live one holds the API's)
  impl.listener = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (impl.listener < 0 ||
      ::bind(impl.listener, reinterpret_cast<const sockaddr*>(&address), sizeof address) != 0 ||
      ::chmod(impl.path.c_str(), 0660) != 0 || ::listen(impl.listener, 16) != 0 ||
      ::pipe2(impl.wake, O_CLOEXEC) != 0) {
    const std::string why = std::strerror(errno);
    stop();
    throw std::runtime_error("cannot listen on " + impl.path + ": " + why);
  }
  impl.acceptor = std::thread([&impl] { impl.accept_loop(); });
}

void SessionServer::stop() {
  Impl& impl = *m_impl;
  if (impl.acceptor.joinable()) {
    const char stop = 1;
    (void)!::write(impl.wake[1], &stop, 1);
    impl.acceptor.join();
  }
  {
    // Ending the connections ends their sessions at their next read or write.
    std::lock_guard guard(impl.mutex);
    for (const Impl::Session& session : impl.sessions) {
      if (session.connection >= 0) {
        ::shutdown(session.connection, SHUT_RDWR);
      }
    }
  }
  for (Impl::Session& session : impl.sessions) {
    session.thread.join();  // no new ones: the acceptor is gone
  }
  impl.sessions.clear();
  for (int* fd : {&impl.listener, &impl.wake[0], &impl.wake[1]}) {
    if (*fd >= 0) {
      ::close(*fd);
      *fd = -1;
    }
  }
  if (!impl.path.empty()) {
    ::unlink(impl.path.c_str());
  }
}

}  // namespace bosun::agent
