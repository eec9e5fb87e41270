#include "api/session_server.hpp"

#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <list>
#include <mutex>
#include <ostream>
#include <streambuf>
#include <system_error>
#include <thread>

#include "bosun/common/exit_codes.hpp"
#include "bosun/common/session_protocol.hpp"
#include "sys/unix_listener.hpp"

namespace bosun::agent::api {
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
  cli::SubcommandRunner run_subcommand;
  std::string root;
  AccessPolicy access;
  int listener = -1;
  std::atomic<bool> stopping{false};
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
    while (!stopping.load()) {
      const int connection = ::accept4(listener, nullptr, nullptr, SOCK_CLOEXEC);
      if (connection < 0) {
        if (stopping.load()) {
          return;
        }
        if (errno != EINTR && errno != ECONNABORTED) {
          std::this_thread::sleep_for(std::chrono::milliseconds(50));  // e.g. EMFILE: no spin
        }
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
      try {
        session.thread = std::thread([this, &session] { serve(session); });
      } catch (const std::system_error&) {  // no thread (memory, limits): this one waits, not fatal
        ::close(connection);
        sessions.pop_back();
      }
    }
  }

  void serve(Session& session) {
    SocketBuffer buffer(session.connection);
    std::ostream out(&buffer);
    const auto peer = sys::peer_of(session.connection);
    const PeerAccess level = peer ? access.access_of(*peer) : PeerAccess::refused;
    if (level == PeerAccess::refused) {
      out << "bosun-agent session: " << (peer ? access.refusal(*peer) : "the peer is unknown")
          << "\n"
          << session_done_line(exit_code::k_invalid_input) << "\n";
    } else {
      // Every request checked first: another root, or (for the group) a path or a repository
      // of the client's choosing, is refused with the reason.
      const cli::SubcommandRunner checked = [this, level](const std::vector<std::string>& args,
                                                          std::ostream& to, std::ostream& err) {
        if (const std::string why = session_refusal(args, level, root); !why.empty()) {
          to << "bosun-agent session: refused: " << why << "\n";
          return exit_code::k_invalid_input;
        }
        return run_subcommand(args, to, err);
      };
      cli::session_command({}, out, out, checked, session.connection);
    }
    out.flush();
    std::lock_guard guard(mutex);
    ::close(session.connection);
    session.connection = -1;
    session.done = true;
  }
};

SessionServer::SessionServer(std::string socket_path, cli::SubcommandRunner run_subcommand,
                             std::string root, AccessPolicy access)
    : m_impl(std::make_unique<Impl>()) {
  m_impl->path = std::move(socket_path);
  m_impl->run_subcommand = std::move(run_subcommand);
  m_impl->root = std::move(root);
  m_impl->access = std::move(access);
}

SessionServer::~SessionServer() {
  stop();
}

void SessionServer::start() {
  ::unlink(m_impl->path.c_str());  // a stale socket of a dead agent (a live one holds the API's)
  m_impl->listener = sys::listen_unix(m_impl->path, 16, m_impl->access.group);
  m_impl->acceptor = std::thread([impl = m_impl.get()] { impl->accept_loop(); });
}

void SessionServer::stop() {
  Impl& impl = *m_impl;
  if (impl.listener < 0) {
    return;
  }
  impl.stopping = true;
  ::shutdown(impl.listener, SHUT_RDWR);  // wakes the blocked accept()
  impl.acceptor.join();
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
  ::close(impl.listener);
  impl.listener = -1;
  ::unlink(impl.path.c_str());
}

}  // namespace bosun::agent::api
