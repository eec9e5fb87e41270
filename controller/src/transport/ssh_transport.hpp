#pragma once
// The SSH transport on libssh: one session per host, reused for every command of a run;
// ~/.ssh/config honoured (User, Port, IdentityFile, ProxyJump); ssh-agent and key files; strict
// known_hosts checking (an unknown host is refused with its fingerprint unless new keys are
// accepted explicitly; a changed key is always refused); connect, command and keepalive
// timeouts; commands on exec channels with their output streamed line by line; uploads
// over SFTP (see upload()). libssh stays in the .cpp.

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>

#include "transport/transport.hpp"

namespace bosun::controller::transport {

struct SshSettings {
  std::string host;                   // address or a Host alias of ~/.ssh/config
  std::optional<std::uint16_t> port;  // empty: from the config, else 22
  std::string user;                   // empty: from the config, else the local user
  std::string identity;               // a private key file; empty: agent and default keys
  std::string known_hosts;            // empty: ~/.ssh/known_hosts
  std::string proxy_jump;             // [user@]host[:port] to go through; empty: none
  std::string config_file;            // empty: ~/.ssh/config
  std::chrono::milliseconds connect_timeout{10'000};
  std::chrono::milliseconds keepalive{15'000};
  bool accept_new_host_keys = false;  // record an unknown host's key instead of refusing
};

// Why a connection was refused: the message says what to do.
class SshError : public std::runtime_error {
 public:
  enum class Kind { unreachable, unknown_host, changed_host_key, authentication, protocol };
  SshError(Kind kind, const std::string& message) : std::runtime_error(message), m_kind(kind) {}
  Kind kind() const { return m_kind; }

 private:
  Kind m_kind;
};

class SshTransport final : public Transport {
 public:
  explicit SshTransport(SshSettings settings);
  // Where a connection with `settings` goes, without connecting: the host, or the HostName
  // the ssh config gives it when it is an alias.
  static std::string address_of(const SshSettings& settings);
  ~SshTransport() override;
  SshTransport(const SshTransport&) = delete;
  SshTransport& operator=(const SshTransport&) = delete;

  // Connects, checks the host key and authenticates. Throws SshError. Called by the first
  // run() or upload() when not called before.
  void connect() override;

  std::unique_ptr<RemoteCommand> start(const std::vector<std::string>& argv) override;
  std::unique_ptr<RemoteCommand> connect_unix(const std::string& path) override;
  // Over SFTP; streamed into `cat` on an exec channel where the host has no SFTP subsystem.
  void upload(const std::string& content, const std::string& remote_path, int mode) override;
  // Over SFTP; by `cat` where the host has no SFTP.
  std::optional<std::string> download(const std::string& remote_path) override;
  std::string describe() const override;

  struct Impl;  // libssh's session; the .cpp's command class works on it too

 private:
  void stream_upload(const std::string& content, const std::string& remote_path, int mode);

  std::unique_ptr<Impl> m_impl;
};

}  // namespace bosun::controller::transport
