#include "transport/ssh_transport.hpp"

#include <fcntl.h>
#include <libssh/libssh.h>

#include <cstdio>
#include <cstdlib>
#include <mutex>
#include <vector>

#include "bosun/common/text.hpp"
#include "transport/sftp_upload.hpp"

namespace bosun::controller::transport {
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
  // Bumped whenever the session is freed (which frees its channels): a command holding a
  // channel of an older generation must not touch it.
  std::uint64_t generation = 0;
  std::unique_ptr<SftpUploader> sftp;  // opened by the first upload; goes with the session

  std::string where() const {
    return (settings.user.empty() ? "" : settings.user + "@") + settings.host +
           (settings.port ? ":" + std::to_string(*settings.port) : "");
  }

  // BOSUN_SSH_TRACE=1: one stderr line per command and upload, with how long it took.
  void trace(const std::string& what, std::chrono::steady_clock::time_point started) const {
    static const bool enabled = std::getenv("BOSUN_SSH_TRACE") != nullptr;
    if (!enabled) {
      return;
    }
    const auto took = std::chrono::duration_cast<std::chrono::milliseconds>(
        std::chrono::steady_clock::now() - started);
    std::fprintf(stderr, "ssh %s: %s (%lld ms)\n", where().c_str(), what.c_str(),
                 static_cast<long long>(took.count()));
  }

  std::string error_text() const {
    return session != nullptr ? ssh_get_error(session) : "no session";
  }

  void close() {
    sftp.reset();  // its channel before the session that owns it
    if (session != nullptr) {
      if (connected) {
        ssh_disconnect(session);
      }
      ssh_free(session);
      session = nullptr;
      connected = false;
      ++generation;
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
    if (!settings.proxy_jump.empty()) {
      const std::string command = jump_command();
      ssh_options_set(session, SSH_OPTIONS_PROXYCOMMAND, command.c_str());
    } else if (!settings.config_file.empty()) {
      pass_config_to_jump();
    }
    const long seconds =
        std::max<long>(1, static_cast<long>(settings.connect_timeout.count() / 1000));
    ssh_options_set(session, SSH_OPTIONS_TIMEOUT, &seconds);
    // Requests and replies are small and wait on each other (agent session lines, SFTP
    // writes): without this, Nagle holds each one back until the host's delayed ACK (~40 ms).
    const int nodelay = 1;
    ssh_options_set(session, SSH_OPTIONS_NODELAY, &nodelay);
    if (ssh_connect(session) != SSH_OK) {
      const std::string reason = error_text();
      close();
      throw SshError(SshError::Kind::unreachable, "cannot connect to " + where() + ": " + reason);
    }
    connected = true;
    check_host_key();
    authenticate();
  }

  // The manifest's proxy_jump as an OpenSSH ProxyCommand (libssh 0.10 has no jump of its
  // own): the same key and known_hosts as the target, and the same host key policy.
  std::string jump_command() const {
    std::vector<std::string> argv{"ssh", "-o", "BatchMode=yes", "-o", "LogLevel=ERROR"};
    if (!settings.identity.empty()) {
      argv.insert(argv.end(), {"-i", settings.identity});
    }
    if (!settings.known_hosts.empty()) {
      argv.insert(argv.end(), {"-o", "UserKnownHostsFile=" + settings.known_hosts});
    }
    argv.insert(argv.end(), {"-o", std::string("StrictHostKeyChecking=") +
                                       (settings.accept_new_host_keys ? "accept-new" : "yes")});
    // libssh fills in %h and %p: the target's address and port as finally resolved (a Host
    // alias's HostName and Port from ~/.ssh/config included). OpenSSH reads the jump host's
    // [user@]host[:port] itself from an ssh:// destination.
    const std::string& jump = settings.proxy_jump;
    argv.insert(argv.end(), {"-W", "[%h]:%p", jump.starts_with("ssh://") ? jump : "ssh://" + jump});
    return shell_line(argv);
  }

  // A ProxyJump from the manifest's config file: libssh 0.10 runs it as the OpenSSH client
  // (`ssh ... -W '[%h]:%p' JUMP`), which would read ~/.ssh/config for the jump host. As with
  // `ssh -F FILE`, the hop reads the same file.
  void pass_config_to_jump() {
    char* command = nullptr;
    if (ssh_options_get(session, SSH_OPTIONS_PROXYCOMMAND, &command) != SSH_OK ||
        command == nullptr) {
      return;
    }
    std::string line(command);
    ssh_string_free_char(command);
    if (line.starts_with("ssh ") && line.find(" -W '[%h]:%p' ") != std::string::npos) {
      line = "ssh -F " + shell_quote(settings.config_file) + line.substr(3);
      ssh_options_set(session, SSH_OPTIONS_PROXYCOMMAND, line.c_str());
    }
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
};

namespace {

using std::chrono::milliseconds;

// One exec channel: the command's stdin is written with send(), its stdout and stderr are
// read together (a command that fills its stderr window must not stall).
class SshCommand final : public RemoteCommand {
 public:
  enum class Kind { exec, unix_socket };

  // `target` is the shell line to exec, or the path of a Unix socket on the host to connect
  // to (sshd's direct-streamlocal: no shell, no process on the host).
  SshCommand(SshTransport::Impl& impl, std::string target, Kind kind = Kind::exec)
      : m_impl(impl),
        m_line(std::move(target)),
        m_kind(kind),
        m_started(std::chrono::steady_clock::now()) {
    try {
      m_impl.connect();
    } catch (const SshError& error) {
      m_error = error.what();
      return;
    }
    m_channel = ssh_channel_new(m_impl.session);
    if (kind == Kind::unix_socket) {
      if (m_channel == nullptr ||
          ssh_channel_open_forward_unix(m_channel, m_line.c_str(), "127.0.0.1", 0) != SSH_OK) {
        // Refused by the server (no such socket, or streamlocal forwarding disabled): the
        // session itself is fine.
        m_error =
            "cannot connect to " + m_line + " on " + m_impl.where() + ": " + m_impl.error_text();
        drop_channel();
        return;
      }
      m_generation = m_impl.generation;
      return;
    }
    if (m_channel == nullptr || ssh_channel_open_session(m_channel) != SSH_OK) {
      m_error = "cannot open a channel to " + m_impl.where() + ": " + m_impl.error_text();
      drop_channel();
      m_impl.connected = false;  // a broken session is reopened by the next command
      return;
    }
    if (ssh_channel_request_exec(m_channel, m_line.c_str()) != SSH_OK) {
      m_error = "cannot run a command on " + m_impl.where() + ": " + m_impl.error_text();
      drop_channel();
      return;
    }
    m_generation = m_impl.generation;
  }

  ~SshCommand() override { drop_channel(); }
  SshCommand(const SshCommand&) = delete;
  SshCommand& operator=(const SshCommand&) = delete;

  bool send(std::string_view text) override {
    if (!alive()) {
      m_error = m_error.empty() ? "the command's input is closed" : m_error;
      return false;
    }
    while (!text.empty()) {
      const int n =
          ssh_channel_write(m_channel, text.data(), static_cast<std::uint32_t>(text.size()));
      if (n <= 0) {
        lose();
        return false;
      }
      text.remove_prefix(static_cast<std::size_t>(n));
    }
    return true;
  }

  Read read(const LineReader& on_line, milliseconds timeout) override {
    if (take_lines(m_pending, on_line)) {
      return Read::stopped;
    }
    if (!alive()) {
      return m_ended ? Read::ended : Read::lost;
    }
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    auto next_keepalive = std::chrono::steady_clock::now() + m_impl.settings.keepalive;
    char buffer[8192];
    while (true) {
      const auto now = std::chrono::steady_clock::now();
      if (now >= deadline) {
        return Read::timed_out;
      }
      const int ready = ssh_channel_poll_timeout(m_channel, 200, 0);
      if (ready == SSH_ERROR) {
        lose();
        return Read::lost;
      }
      int n = 0;
      for (const int stream : {0, 1}) {
        const int got = ssh_channel_read_nonblocking(m_channel, buffer, sizeof buffer, stream);
        if (got == SSH_ERROR) {
          lose();
          return Read::lost;
        }
        if (got > 0) {
          n += got;
          m_pending.append(buffer, static_cast<std::size_t>(got));
        }
      }
      if (n > 0) {
        if (take_lines(m_pending, on_line)) {
          return Read::stopped;
        }
        next_keepalive = std::chrono::steady_clock::now() + m_impl.settings.keepalive;
        continue;
      }
      if (ready == SSH_EOF || ssh_channel_is_eof(m_channel) != 0 ||
          ssh_channel_is_closed(m_channel) != 0) {
        m_ended = true;
        if (!m_pending.empty()) {
          m_pending.push_back('\n');
          take_lines(m_pending, on_line);
        }
        return Read::ended;
      }
      if (now >= next_keepalive) {
        // Quiet for a while: make sure the host is still there (and keep NATs open).
        if (ssh_send_ignore(m_impl.session, "keepalive") != SSH_OK) {
          lose();
          return Read::lost;
        }
        next_keepalive = now + m_impl.settings.keepalive;
      }
    }
  }

  RemoteResult finish(const LineSink& on_line, milliseconds timeout) override {
    RemoteResult result;
    if (alive() && !m_ended) {
      ssh_channel_send_eof(m_channel);
    }
    const Read how = read(every_line(on_line), timeout);
    if (how == Read::timed_out) {
      result.error =
          "timed out after " + std::to_string(timeout.count() / 1000) + "s on " + m_impl.where();
    } else if (how == Read::lost) {
      result.error = m_error.empty() ? "lost the connection to " + m_impl.where() : m_error;
    } else if (m_kind == Kind::unix_socket) {
      result.exit_code = 0;  // a stream has no exit status: it ended
    } else {
      result.exit_code = ssh_channel_get_exit_status(m_channel);
      if (result.exit_code < 0) {
        // Closed without an exit status: the session died under the command.
        result.error =
            "lost the connection to " + m_impl.where() + " (the command's end is unknown)";
        m_impl.connected = false;
      }
    }
    m_impl.trace(std::string(m_kind == Kind::unix_socket ? "[socket] " : "") + m_line + " -> " +
                     std::to_string(result.exit_code) + " " + result.error,
                 m_started);
    drop_channel();
    return result;
  }

  std::string error() const override { return m_error; }

 private:
  bool alive() const { return m_channel != nullptr && m_generation == m_impl.generation; }

  void drop_channel() {
    if (m_channel != nullptr && m_generation == m_impl.generation) {
      ssh_channel_close(m_channel);
      ssh_channel_free(m_channel);
    }
    m_channel = nullptr;
  }

  // The connection broke: the session is closed, and the next command reconnects.
  void lose() {
    m_error = "lost the connection to " + m_impl.where() + ": " + m_impl.error_text();
    if (m_channel != nullptr && m_generation == m_impl.generation) {
      ssh_channel_free(m_channel);
    }
    m_channel = nullptr;
    m_impl.close();
  }

  SshTransport::Impl& m_impl;
  std::string m_line;
  Kind m_kind;
  std::chrono::steady_clock::time_point m_started;
  ssh_channel m_channel = nullptr;
  std::uint64_t m_generation = ~0ULL;
  std::string m_pending;
  std::string m_error;
  bool m_ended = false;
};

}  // namespace

SshTransport::SshTransport(SshSettings settings) : m_impl(std::make_unique<Impl>()) {
  m_impl->settings = std::move(settings);
}

SshTransport::~SshTransport() {
  m_impl->close();
}

std::string SshTransport::address_of(const SshSettings& settings) {
  init_libssh_once();
  ssh_session session = ssh_new();
  if (session == nullptr) {
    return settings.host;
  }
  ssh_options_set(session, SSH_OPTIONS_HOST, settings.host.c_str());
  ssh_options_parse_config(session,
                           settings.config_file.empty() ? nullptr : settings.config_file.c_str());
  std::string address = settings.host;
  char* resolved = nullptr;
  if (ssh_options_get(session, SSH_OPTIONS_HOST, &resolved) == SSH_OK && resolved != nullptr) {
    address = resolved;
    ssh_string_free_char(resolved);
  }
  ssh_free(session);
  return address;
}

void SshTransport::connect() {
  m_impl->connect();
}

std::unique_ptr<RemoteCommand> SshTransport::start(const std::vector<std::string>& argv) {
  return std::make_unique<SshCommand>(*m_impl, shell_line(argv) + " 2>&1");
}

std::unique_ptr<RemoteCommand> SshTransport::connect_unix(const std::string& path) {
  return std::make_unique<SshCommand>(*m_impl, path, SshCommand::Kind::unix_socket);
}

std::optional<std::string> SshTransport::download(const std::string& remote_path) {
  m_impl->connect();
  const auto started = std::chrono::steady_clock::now();
  std::optional<std::optional<std::string>> read;
  try {
    if (!m_impl->sftp) {
      m_impl->sftp = std::make_unique<SftpUploader>(m_impl->session, milliseconds(30'000));
    }
    read = m_impl->sftp->download(remote_path);
  } catch (const std::runtime_error& error) {
    throw std::runtime_error(std::string(error.what()) + " (on " + m_impl->where() + ")");
  }
  if (read) {
    m_impl->trace("[sftp] read " + remote_path, started);
    return *read;
  }
  return Transport::download(remote_path);  // no SFTP on the host
}

void SshTransport::upload(const std::string& content, const std::string& remote_path, int mode) {
  m_impl->connect();
  const auto started = std::chrono::steady_clock::now();
  SftpUploadResult result = SftpUploadResult::unavailable;
  try {
    if (!m_impl->sftp) {
      m_impl->sftp = std::make_unique<SftpUploader>(m_impl->session, milliseconds(30'000));
    }
    result = m_impl->sftp->upload(content, remote_path, mode);
  } catch (const std::runtime_error& error) {
    throw std::runtime_error(std::string(error.what()) + " (on " + m_impl->where() + ")");
  }
  if (result == SftpUploadResult::unavailable) {
    stream_upload(content, remote_path, mode);
  }
  const bool synced = result == SftpUploadResult::written && m_impl->sftp->last_synced();
  m_impl->trace(std::string(result == SftpUploadResult::written ? "[sftp] " : "[stream] ") +
                    remote_path + " (" + std::to_string(content.size()) + " bytes" +
                    (synced ? ", fsync'ed" : "") + ")",
                started);
}

// For hosts without an SFTP subsystem: the file streamed into `cat` on an exec channel, then
// put in place the same way.
void SshTransport::stream_upload(const std::string& content, const std::string& remote_path,
                                 int mode) {
  Impl& impl = *m_impl;
  const std::string directory = remote_path.substr(0, remote_path.rfind('/'));
  const std::string staging = remote_path + ".bosun-upload";
  char octal[8];
  std::snprintf(octal, sizeof octal, "%o", static_cast<unsigned>(mode) & 07777U);
  const std::string line = "umask 077 && mkdir -p " + shell_quote(directory) + " && cat > " +
                           shell_quote(staging) + " && chmod " + octal + " " +
                           shell_quote(staging) + " && mv -f " + shell_quote(staging) + " " +
                           shell_quote(remote_path);
  SshCommand command(impl, line);
  std::size_t written = 0;
  while (written < content.size() && command.error().empty()) {
    const std::size_t chunk = std::min<std::size_t>(256 * 1024, content.size() - written);
    if (!command.send(std::string_view(content).substr(written, chunk))) {
      break;
    }
    written += chunk;
  }
  std::string said;
  const RemoteResult result = command.finish(
      [&](std::string_view text) { said.append(text).push_back(' '); }, milliseconds(30'000));
  if (written != content.size() || result.exit_code != 0) {
    throw std::runtime_error("cannot write " + remote_path + " on " + impl.where() + ": " +
                             (!result.error.empty() ? result.error
                              : !command.error().empty()
                                  ? command.error()
                                  : "exit " + std::to_string(result.exit_code) + " " + said));
  }
}

std::string SshTransport::describe() const {
  return "ssh " + m_impl->where();
}

}  // namespace bosun::controller::transport
