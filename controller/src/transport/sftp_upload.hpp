#pragma once
// Writes one file on a host over SFTP (protocol version 3, the one OpenSSH speaks), safely
// for a file in use such as a running agent's binary: the bytes go to a staging name next to
// it (0600), its mode is set, and it is renamed over the old one (posix-rename where the
// server has it), so a reader sees the old file or the new one, never half of one. Missing
// parent directories are created (0700).
//
// Why not libssh's sftp_write: in libssh 0.10 each write is one synchronous round trip, and
// a round trip that ends on a delayed ACK (through a jump host, say) costs ~40 ms: minutes
// for an agent binary. Here up to 64 writes are in flight, as OpenSSH's own sftp does, so an
// upload is bounded by the channel window, not by latency.

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

struct ssh_session_struct;  // libssh's session; libssh stays in the .cpp files

namespace bosun::controller::transport {

enum class SftpUploadResult {
  written,
  unavailable,  // the host offers no SFTP subsystem: the caller may write another way
};

class SftpChannel;

// One SFTP channel on a session, opened by the first upload (or download: a small file read
// back whole, such as the host's .env) and kept for the next ones.
// Destroy it before the session is freed (the session frees its channels).
class SftpUploader {
 public:
  SftpUploader(ssh_session_struct* session, std::chrono::milliseconds timeout);
  ~SftpUploader();
  SftpUploader(const SftpUploader&) = delete;
  SftpUploader& operator=(const SftpUploader&) = delete;

  // Throws std::runtime_error naming the path and the server's reason when the host speaks
  // SFTP but the write fails, or when it stops answering for `timeout`; the channel is then
  // opened afresh by the next upload.
  SftpUploadResult upload(std::string_view content, const std::string& remote_path, int mode);
  // The file's content (nullopt inside: no such file); nullopt outside when the host has no
  // SFTP. Throws std::runtime_error like upload().
  std::optional<std::optional<std::string>> download(const std::string& remote_path);
  // Whether the last upload was synced to the host's disk before its rename (the server offers
  // fsync@openssh.com, as OpenSSH's does).
  bool last_synced() const { return m_last_synced; }

 private:
  bool open_channel();  // false: the host has no SFTP
  ssh_session_struct* m_session;
  std::chrono::milliseconds m_timeout;
  std::unique_ptr<SftpChannel> m_channel;
  bool m_unavailable = false;  // the host has no SFTP: not asked again
  bool m_last_synced = false;
};

}  // namespace bosun::controller::transport
