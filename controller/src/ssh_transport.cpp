#include "ssh_transport.hpp"

#include <fcntl.h>
#include <libssh/libssh.h>

#include <cstdio>
#include <cstdlib>
#include <mutex>

namespace bosun::controller {
namespace {

void init_libssh_once() {
  static std::once_flag once;
  std::call_once(once, [] { ssh_init(); });
}

std::string fingerprint_of(ssh_session session) {
  ssh_key key = nullptr;
  if (ssh_get_server_publickey(session, &key) != SSH_OK) {
    return "unknown";
  }
  unsigned char* hash = nullptr;
  std::size_t length = 0;
  std::string text = "unknown";
  if (ssh_get_publickey_hash(key, SSH_PUBLICKEY_HASH_SHA256, &hash, &length) == SSH_OK) {
    char* printable = ssh_get_fingerprint_hash(SSH_PUBLICKEY_HASH_SHA256, hash, length);
    if (printable != nullptr) {
      text = printable;
      ssh_string_free_char(printable);
    }
    ssh_clean_pubkey_hash(&hash);
  }
  text += std::string(" (") + ssh_key_type_to_char(ssh_key_type(key)) + ")";
  ssh_key_free(key);
  return text;
}

}  // namespace

struct SshTransport::Impl {
  SshSettings settings;
  ssh_session session = nullptr;
  bool connected = false;

  std::string where() const {
    return (settings.user.empty() ? "" : settings.user + "@") + settings.host +
           (settings.port ? ":" + std::to_string(*settings.port) : "");
  }

  std::string error_text() const {
    return session != nullptr ? ssh_get_error(session) : "no session";
  }

  void close() {
    if (session != nullptr) {
      if (connected) {
        ssh_disconnect(session);
      }
      ssh_free(session);
      session = nullptr;
      connected = false;
    }
  }

  void connect() {
    if (connected) {
      return;
    }
    init_libssh_once();
    close();
    session = ssh_new();
    if (session == nullptr) {
      throw SshError(SshError::Kind::protocol, "cannot create an SSH session");
    }
    ssh_options_set(session, SSH_OPTIONS_HOST, settings.host.c_str());
    // The config is read first: what the manifest says explicitly wins over it.
    ssh_options_parse_config(session,
                             settings.config_file.empty() ? nullptr : settings.config_file.c_str());
    if (settings.port) {
      const unsigned int port = *settings.port;
      ssh_options_set(session, SSH_OPTIONS_PORT, &port);
    }
    if (!settings.user.empty()) {
      ssh_options_set(session, SSH_OPTIONS_USER, settings.user.c_str());
    }
    if (!settings.known_hosts.empty()) {
      ssh_options_set(session, SSH_OPTIONS_KNOWNHOSTS, settings.known_hosts.c_str());
      ssh_options_set(session, SSH_OPTIONS_GLOBAL_KNOWNHOSTS, "/dev/null");
    }
    const long seconds =
        std::max<long>(1, static_cast<long>(settings.connect_timeout.count() / 1000));
    ssh_options_set(session, SSH_OPTIONS_TIMEOUT, &seconds);
    if (ssh_connect(session) != SSH_OK) {
      const std::string reason = error_text();
      close();
      throw SshError(SshError::Kind::unreachable, "cannot connect to " + where() + ": " + reason);
    }
    connected = true;
    check_host_key();
    authenticate();
  }

  void check_host_key() {
    const ssh_known_hosts_e known = ssh_session_is_known_server(session);
    const std::string fingerprint = fingerprint_of(session);
    switch (known) {
      case SSH_KNOWN_HOSTS_OK:
        return;
      case SSH_KNOWN_HOSTS_CHANGED:
      case SSH_KNOWN_HOSTS_OTHER: {
        close();
        throw SshError(SshError::Kind::changed_host_key,
                       "the host key of " + where() + " has CHANGED (it now presents " +
                           fingerprint +
                           "). This can be a machine that was rebuilt, or someone in the middle. "
                           "Refusing to connect. If the change is expected, remove the old key "
                           "(ssh-keygen -R " +
                           settings.host + ") and connect again.");
      }
      case SSH_KNOWN_HOSTS_UNKNOWN:
      case SSH_KNOWN_HOSTS_NOT_FOUND:
        if (settings.accept_new_host_keys) {
          if (ssh_session_update_known_hosts(session) != SSH_OK) {
            const std::string reason = error_text();
            close();
            throw SshError(SshError::Kind::unknown_host,
                           "cannot record the host key of " + where() + ": " + reason);
          }
          return;
        }
        close();
        throw SshError(SshError::Kind::unknown_host,
                       "unknown host " + where() + ": it presents " + fingerprint +
                           ". Check the fingerprint with the machine's owner, then accept it "
                           "with --accept-new-host-keys (or ssh to it once).");
      case SSH_KNOWN_HOSTS_ERROR:
        break;
    }
    const std::string reason = error_text();
    close();
    throw SshError(SshError::Kind::protocol,
                   "cannot check the host key of " + where() + ": " + reason);
  }

  void authenticate() {
    int status = SSH_AUTH_DENIED;
    if (!settings.identity.empty()) {
      ssh_key key = nullptr;
      if (ssh_pki_import_privkey_file(settings.identity.c_str(), nullptr, nullptr, nullptr, &key) !=
          SSH_OK) {
        close();
        throw SshError(SshError::Kind::authentication,
                       "cannot read the key " + settings.identity + " for " + where());
      }
      status = ssh_userauth_publickey(session, nullptr, key);
      ssh_key_free(key);
    } else {
      status = ssh_userauth_publickey_auto(session, nullptr, nullptr);
    }
    if (status != SSH_AUTH_SUCCESS) {
      const std::string reason = error_text();
      close();
      throw SshError(SshError::Kind::authentication,
                     "cannot log in to " + where() + " with a key" +
                         (settings.identity.empty() ? " (ssh-agent, ~/.ssh/id_*)"
                                                    : " (" + settings.identity + ")") +
                         (reason.empty() ? "" : ": " + reason));
    }
  }

  RemoteResult run(const std::vector<std::string>& argv, const LineSink& on_line,
                   std::chrono::milliseconds timeout) {
    RemoteResult result;
    try {
      connect();
    } catch (const SshError& error) {
      result.error = error.what();
      return result;
    }
    ssh_channel channel = ssh_channel_new(session);
    if (channel == nullptr || ssh_channel_open_session(channel) != SSH_OK) {
      result.error = "cannot open a channel to " + where() + ": " + error_text();
      if (channel != nullptr) {
        ssh_channel_free(channel);
      }
      connected = false;  // a broken session is reopened by the next command
      return result;
    }
    const std::string line = shell_line(argv) + " 2>&1";
    if (ssh_channel_request_exec(channel, line.c_str()) != SSH_OK) {
      result.error = "cannot run a command on " + where() + ": " + error_text();
      ssh_channel_free(channel);
      return result;
    }
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    auto next_keepalive = std::chrono::steady_clock::now() + settings.keepalive;
    std::string pending;
    char buffer[8192];
    bool lost = false;
    while (true) {
      const auto now = std::chrono::steady_clock::now();
      if (now >= deadline) {
        result.error =
            "timed out after " + std::to_string(timeout.count() / 1000) + "s on " + where();
        break;
      }
      // Both streams: a command that writes to stderr must not stall on a full window.
      const int ready = ssh_channel_poll_timeout(channel, 200, 0);
      if (ready == SSH_ERROR) {
        lost = true;
        break;
      }
      int n = 0;
      for (const int stream : {0, 1}) {
        const int got = ssh_channel_read_nonblocking(channel, buffer, sizeof buffer, stream);
        if (got == SSH_ERROR) {
          lost = true;
          break;
        }
        if (got > 0) {
          n += got;
          pending.append(buffer, static_cast<std::size_t>(got));
        }
      }
      if (lost) {
        break;
      }
      if (n > 0) {
        for (std::size_t end = pending.find('\n'); end != std::string::npos;
             end = pending.find('\n')) {
          on_line(std::string_view(pending).substr(0, end));
          pending.erase(0, end + 1);
        }
        next_keepalive = std::chrono::steady_clock::now() + settings.keepalive;
        continue;
      }
      if (ready == SSH_EOF || ssh_channel_is_eof(channel) != 0 ||
          ssh_channel_is_closed(channel) != 0) {
        break;
      }
      if (now >= next_keepalive) {
        // Quiet for a while: make sure the host is still there (and keep NATs open).
        if (ssh_send_ignore(session, "keepalive") != SSH_OK) {
          lost = true;
          break;
        }
        next_keepalive = now + settings.keepalive;
      }
    }
    if (!pending.empty()) {
      on_line(pending);
    }
    if (lost) {
      result.error = "lost the connection to " + where() + ": " + error_text();
      connected = false;
      ssh_channel_free(channel);
      close();
      return result;
    }
    if (result.error.empty()) {
      ssh_channel_send_eof(channel);
      result.exit_code = ssh_channel_get_exit_status(channel);
      if (result.exit_code < 0) {
        // Closed without an exit status: the session died under the command.
        result.error = "lost the connection to " + where() + " (the command's end is unknown)";
        connected = false;
      }
    }
    if (std::getenv("BOSUN_SSH_TRACE") != nullptr) {
      std::fprintf(stderr, "ssh %s: %s -> %d %s (%lld ms)\n", where().c_str(), line.c_str(),
                   result.exit_code, result.error.c_str(),
                   static_cast<long long>(std::chrono::duration_cast<std::chrono::milliseconds>(
                                              std::chrono::steady_clock::now() - deadline + timeout)
                                              .count()));
    }
    ssh_channel_close(channel);
    ssh_channel_free(channel);
    return result;
  }

  // Streams the file into `cat` on an exec channel. (libssh 0.10's SFTP writes are one
  // synchronous round trip per 32 KiB; against OpenSSH's sftp server each one waited ~43 ms
  // for a delayed ACK, so a 50 MB agent took 46 s. A stream is bounded by the channel window.)
  void upload(const std::string& content, const std::string& remote_path, int mode) {
    connect();
    const std::string directory = remote_path.substr(0, remote_path.rfind('/'));
    const std::string staging = remote_path + ".bosun-upload";
    char octal[8];
    std::snprintf(octal, sizeof octal, "%o", static_cast<unsigned>(mode) & 07777U);
    const std::string line = "umask 077 && mkdir -p " + shell_quote(directory) + " && cat > " +
                             shell_quote(staging) + " && chmod " + octal + " " +
                             shell_quote(staging) + " && mv -f " + shell_quote(staging) + " " +
                             shell_quote(remote_path);
    ssh_channel channel = ssh_channel_new(session);
    if (channel == nullptr || ssh_channel_open_session(channel) != SSH_OK ||
        ssh_channel_request_exec(channel, line.c_str()) != SSH_OK) {
      if (channel != nullptr) {
        ssh_channel_free(channel);
      }
      throw std::runtime_error("cannot write " + remote_path + " on " + where() + ": " +
                               error_text());
    }
    std::size_t written = 0;
    while (written < content.size()) {
      const std::size_t chunk = std::min<std::size_t>(256 * 1024, content.size() - written);
      const int n =
          ssh_channel_write(channel, content.data() + written, static_cast<std::uint32_t>(chunk));
      if (n <= 0) {
        break;
      }
      written += static_cast<std::size_t>(n);
    }
    ssh_channel_send_eof(channel);
    char drain[1024];
    while (ssh_channel_read_timeout(channel, drain, sizeof drain, 0, 30'000) > 0) {
    }
    const int status = ssh_channel_get_exit_status(channel);
    ssh_channel_close(channel);
    ssh_channel_free(channel);
    if (written != content.size() || status != 0) {
      throw std::runtime_error(
          "cannot write " + remote_path + " on " + where() +
          (status > 0 ? " (exit " + std::to_string(status) + ")" : ": " + error_text()));
    }
  }
};

SshTransport::SshTransport(SshSettings settings) : m_impl(std::make_unique<Impl>()) {
  m_impl->settings = std::move(settings);
}

SshTransport::~SshTransport() {
  m_impl->close();
}

void SshTransport::connect() {
  m_impl->connect();
}

RemoteResult SshTransport::run(const std::vector<std::string>& argv, const LineSink& on_line,
                               std::chrono::milliseconds timeout) {
  return m_impl->run(argv, on_line, timeout);
}

void SshTransport::upload(const std::string& content, const std::string& remote_path, int mode) {
  m_impl->upload(content, remote_path, mode);
}

std::string SshTransport::describe() const {
  return "ssh " + m_impl->where();
}

}  // namespace bosun::controller
