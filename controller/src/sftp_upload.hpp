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
#include <string>
#include <string_view>

struct ssh_session_struct;  // libssh's session; libssh stays in the .cpp files

namespace bosun::controller {

enum class SftpUploadResult {
  written,
  unavailable,  // the host offers no SFTP subsystem: the caller may write another way
};

// Throws std::runtime_error naming the path and the server's reason when the host speaks
// SFTP but the write fails, or when it stops answering for `timeout`.
SftpUploadResult sftp_upload(ssh_session_struct* session, std::string_view content,
                             const std::string& remote_path, int mode,
                             std::chrono::milliseconds timeout);

}  // namespace bosun::controller
