#pragma once
// The listening sockets the agent binds for services with `listen:` and keeps across their
// instances: each instance gets a copy as fd 3, so the queue of pending connections belongs
// to the agent and survives the hand-over from one instance to the next. Behind an interface:
// the supervision's unit tests use a fake, the agent the real one (system_listen_sockets).
//
// When the agent itself restarts, the running instance keeps serving on its copy. The new
// agent takes a copy back from that instance (pidfd_getfd, by the socket's inode recorded in
// ROOT/run/<service>.socket); where the kernel refuses (no ptrace rights over the instance),
// it binds anew once the instance holding the port has stopped.

#include <sys/types.h>

#include <filesystem>
#include <memory>
#include <string>

#include "bosun/manifest/model.hpp"

namespace bosun::agent::sys {

class ListenSockets {
 public:
  virtual ~ListenSockets() = default;
  // The socket for `service` at `listen`: the one held, or one bound now (replacing one held
  // for another address). Throws std::runtime_error naming the address and the cause.
  virtual int acquire(const std::string& service, const manifest::ListenSpec& listen) = 0;
  // After an agent restart: the socket taken back from the adopted instance `pid` (or a
  // process of its group). The reason when it cannot be; empty when done.
  virtual std::string recover(const std::string& service, const manifest::ListenSpec& listen,
                              pid_t pid) = 0;
  // The service is gone: its socket closed here (instances still running keep their copies).
  virtual void release(const std::string& service) = 0;
};

// Records under `run_dir`.
std::unique_ptr<ListenSockets> system_listen_sockets(std::filesystem::path run_dir);

}  // namespace bosun::agent::sys
