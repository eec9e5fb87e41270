#pragma once
// The listening sockets the agent binds for services with `listen:` and keeps across their
// instances, handed to each as fd 3, so that the queue of pending connections belongs to the
// agent. Behind an interface: the supervision's unit tests use a fake, the agent the real one
// (system_listen_sockets).
//
// A hand-over gives the new instance a socket of its own in the port's SO_REUSEPORT group,
// which gets no connection until the new instance is ready: a CBPF program attached to the
// group (SO_ATTACH_REUSEPORT_CBPF) steers every new connection to one socket by its index.
// The old instance then drains: it accepts what is already in its own queue, finishes its
// connections, and only then gets its stop signal. Nothing it could drop arrives after that.
//
// When the agent itself restarts, the running instances keep serving on their copies. The new
// agent takes a copy of each back (pidfd_getfd, by the inodes recorded in
// ROOT/run/<service>.socket with the group's order). Steering is used only while the agent
// holds every socket of the group and its model of their order is certain; otherwise a
// hand-over shares the old instance's socket, as before steering.

#include <sys/types.h>

#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>

#include "bosun/manifest/model.hpp"

namespace bosun::agent::sys {

// A socket is named by its inode (`id`), never by the agent's descriptor number, which the
// kernel hands out again once closed.
struct Listener {
  int fd = -1;  // the agent's copy, for the new instance's fd 3
  unsigned long id = 0;
  // Beside a running instance: why it shares that instance's socket instead of having its own
  // (empty when it has its own).
  std::string shared_because;
};

struct RecoveredSocket {
  unsigned long id = 0;  // 0: not taken back, `why_not` says why
  std::string why_not;
};

class ListenSockets {
 public:
  virtual ~ListenSockets() = default;
  // The socket for a new instance of `service` at `listen`. `own`: the socket the previous
  // instance had (a restart after a crash), kept with its queue. `beside_running`: an older
  // instance still serves (a hand-over): a socket of its own, steered away from until
  // steer_to(). Otherwise the service's current socket, or one bound now (replacing those held
  // for another address). Throws std::runtime_error naming the address and the cause.
  virtual Listener acquire(const std::string& service, const manifest::ListenSpec& listen,
                           unsigned long own, bool beside_running) = 0;
  // New connections go to socket `id` only from now on. The reason when that cannot be.
  virtual std::string steer_to(const std::string& service, unsigned long id) = 0;
  // Connections waiting in socket `id`'s accept queue; -1 when unknown.
  virtual int waiting_connections(const std::string& service, unsigned long id) = 0;
  // Connections to `port` that `pid`'s process group holds open.
  virtual int open_connections(pid_t pid, std::uint16_t port) = 0;
  // The instance that had socket `id` of its own is gone: the agent's copy is closed.
  virtual void let_go(const std::string& service, unsigned long id) = 0;
  // After an agent restart: the socket taken back from the adopted instance `pid` (or a
  // process of its group).
  virtual RecoveredSocket recover(const std::string& service, const manifest::ListenSpec& listen,
                                  pid_t pid) = 0;
  // The service is gone: its sockets closed here (instances still running keep their copies).
  virtual void release(const std::string& service) = 0;
};

// Records under `run_dir`.
std::unique_ptr<ListenSockets> system_listen_sockets(std::filesystem::path run_dir);

}  // namespace bosun::agent::sys
