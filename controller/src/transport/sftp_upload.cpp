#include "transport/sftp_upload.hpp"

#include <libssh/libssh.h>

#include <algorithm>
#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <stdexcept>
#include <vector>

namespace bosun::controller::transport {
namespace {

using std::chrono::milliseconds;
using std::chrono::steady_clock;

// Packet types and constants of draft-ietf-secsh-filexfer-02 (SFTP version 3).
enum PacketType : std::uint8_t {
  k_init = 1,
  k_version = 2,
  k_open = 3,
  k_close = 4,
  k_read = 5,
  k_write = 6,
  k_setstat = 9,
  k_remove = 13,
  k_mkdir = 14,
  k_rename = 18,
  k_status = 101,
  k_handle = 102,
  k_data = 103,
  k_extended = 200,
};
constexpr std::uint32_t k_open_read = 0x01;
constexpr std::uint32_t k_open_write = 0x02;
constexpr std::uint32_t k_open_create = 0x08;
constexpr std::uint32_t k_open_truncate = 0x10;
constexpr std::uint32_t k_attr_permissions = 0x04;
constexpr std::uint32_t k_status_ok = 0;
constexpr std::uint32_t k_status_eof = 1;
constexpr std::uint32_t k_status_no_such_file = 2;
constexpr std::size_t k_largest_download = 1024 * 1024;  // a .env, a record: small files

constexpr std::size_t k_chunk = 32 * 1024;  // what every server must accept
constexpr std::size_t k_in_flight = 64;
constexpr std::uint32_t k_largest_reply = 256 * 1024;

void put_u32(std::string& out, std::uint32_t value) {
  for (int shift = 24; shift >= 0; shift -= 8) {
    out.push_back(static_cast<char>((value >> shift) & 0xffU));
  }
}

void put_u64(std::string& out, std::uint64_t value) {
  put_u32(out, static_cast<std::uint32_t>(value >> 32));
  put_u32(out, static_cast<std::uint32_t>(value & 0xffffffffU));
}

void put_string(std::string& out, std::string_view text) {
  put_u32(out, static_cast<std::uint32_t>(text.size()));
  out.append(text);
}

void put_permissions(std::string& out, int mode) {
  put_u32(out, k_attr_permissions);
  put_u32(out, static_cast<std::uint32_t>(mode) & 07777U);
}

// Reads big-endian fields off a received packet; a short packet reads as zeros and empty.
class Reader {
 public:
  explicit Reader(std::string_view data) : m_data(data) {}
  std::uint32_t u32() {
    if (m_data.size() < 4) {
      m_data = {};
      return 0;
    }
    std::uint32_t value = 0;
    for (int i = 0; i < 4; ++i) {
      value = (value << 8) | static_cast<unsigned char>(m_data[static_cast<std::size_t>(i)]);
    }
    m_data.remove_prefix(4);
    return value;
  }
  std::string string() {
    const std::size_t length = std::min<std::size_t>(u32(), m_data.size());
    std::string text(m_data.substr(0, length));
    m_data.remove_prefix(length);
    return text;
  }
  bool empty() const { return m_data.empty(); }

 private:
  std::string_view m_data;
};

struct Reply {
  std::uint8_t type = 0;
  std::uint32_t status = k_status_ok;
  std::string text;  // the status message, or the handle
};

std::string status_text(const Reply& reply) {
  static const std::map<std::uint32_t, std::string> names{
      {1, "end of file"},       {2, "no such file or directory"},
      {3, "permission denied"}, {4, "failure"},
      {5, "bad message"},       {6, "no connection"},
      {7, "connection lost"},   {8, "operation unsupported"}};
  const auto name = names.find(reply.status);
  std::string text = name != names.end() ? name->second : "status " + std::to_string(reply.status);
  if (!reply.text.empty() && reply.text != "Success") {
    text += " (" + reply.text + ")";
  }
  return text;
}

}  // namespace

class SftpChannel {
 public:
  SftpChannel(ssh_session session, milliseconds timeout) : m_session(session), m_timeout(timeout) {}
  ~SftpChannel() {
    if (m_channel != nullptr) {
      ssh_channel_close(m_channel);
      ssh_channel_free(m_channel);
    }
  }
  SftpChannel(const SftpChannel&) = delete;
  SftpChannel& operator=(const SftpChannel&) = delete;

  // The subsystem started and answered the version handshake.
  bool start() {
    m_channel = ssh_channel_new(m_session);
    if (m_channel == nullptr || ssh_channel_open_session(m_channel) != SSH_OK ||
        ssh_channel_request_subsystem(m_channel, "sftp") != SSH_OK) {
      return false;
    }
    std::string init;
    init.push_back(static_cast<char>(k_init));
    put_u32(init, 3);
    if (!write_packet(init)) {
      return false;
    }
    std::string packet;
    if (!read_packet(packet) || packet.empty() || packet[0] != static_cast<char>(k_version)) {
      return false;  // e.g. a Subsystem line naming a program the host does not have
    }
    Reader reader(std::string_view(packet).substr(1));
    reader.u32();  // the server's version: 3 is all this speaks, and all OpenSSH offers
    while (!reader.empty()) {
      const std::string name = reader.string();
      const std::string version = reader.string();
      m_posix_rename = m_posix_rename || (name == "posix-rename@openssh.com" && version == "1");
      m_fsync = m_fsync || (name == "fsync@openssh.com" && version == "1");
    }
    return true;
  }

  bool has_posix_rename() const { return m_posix_rename; }
  bool has_fsync() const { return m_fsync; }

  // Sends a request (type + body; the id is added here) without waiting for its reply.
  std::uint32_t send(PacketType type, const std::string& body) {
    const std::uint32_t id = m_next_id++;
    std::string packet;
    packet.push_back(static_cast<char>(type));
    put_u32(packet, id);
    packet += body;
    if (!write_packet(packet)) {
      throw std::runtime_error("the SFTP channel broke: " + std::string(ssh_get_error(m_session)));
    }
    m_pending.insert(id);
    return id;
  }

  // Waits for the reply to `id`, collecting replies to other requests on the way.
  Reply wait(std::uint32_t id) {
    while (true) {
      const auto got = m_replies.find(id);
      if (got != m_replies.end()) {
        Reply reply = std::move(got->second);
        m_replies.erase(got);
        return reply;
      }
      receive_one();
    }
  }

  Reply call(PacketType type, const std::string& body) { return wait(send(type, body)); }

  std::size_t pending() const { return m_pending.size(); }

  // Takes one reply off the channel (blocking) and files it under its id.
  void receive_one() {
    std::string packet;
    if (!read_packet(packet) || packet.size() < 5) {
      throw std::runtime_error(
          m_timed_out
              ? "the host stopped answering for " + std::to_string(m_timeout.count()) + " ms"
              : "the SFTP channel closed: " + std::string(ssh_get_error(m_session)));
    }
    Reader reader(std::string_view(packet).substr(1));
    const std::uint32_t id = reader.u32();
    Reply reply;
    reply.type = static_cast<std::uint8_t>(packet[0]);
    if (reply.type == k_status) {
      reply.status = reader.u32();
      reply.text = reader.string();
    } else if (reply.type == k_handle || reply.type == k_data) {
      reply.text = reader.string();
    }
    m_pending.erase(id);
    m_replies[id] = std::move(reply);
  }

  // The first reply among those collected that is not a success, if any; forgets them.
  std::optional<Reply> take_failure() {
    std::optional<Reply> failure;
    for (auto& [id, reply] : m_replies) {
      if (!failure && (reply.type != k_status || reply.status != k_status_ok)) {
        failure = reply;
      }
    }
    m_replies.clear();
    return failure;
  }

 private:
  bool write_packet(const std::string& packet) {
    std::string framed;
    put_u32(framed, static_cast<std::uint32_t>(packet.size()));
    framed += packet;
    return ssh_channel_write(m_channel, framed.data(), static_cast<std::uint32_t>(framed.size())) ==
           static_cast<int>(framed.size());
  }

  bool read_exactly(char* into, std::size_t size) {
    const auto deadline = steady_clock::now() + m_timeout;
    std::size_t got = 0;
    while (got < size) {
      const auto left =
          std::chrono::duration_cast<milliseconds>(deadline - steady_clock::now()).count();
      if (left <= 0) {
        m_timed_out = true;
        return false;
      }
      const int n =
          ssh_channel_read_timeout(m_channel, into + got, static_cast<std::uint32_t>(size - got), 0,
                                   static_cast<int>(std::min<long long>(left, 1000)));
      if (n < 0 || (n == 0 && ssh_channel_is_eof(m_channel) != 0)) {
        return false;
      }
      got += static_cast<std::size_t>(n);
    }
    return true;
  }

  bool read_packet(std::string& packet) {
    char header[4];
    if (!read_exactly(header, sizeof header)) {
      return false;
    }
    const std::uint32_t length = Reader(std::string_view(header, sizeof header)).u32();
    if (length == 0 || length > k_largest_reply) {
      return false;
    }
    packet.resize(length);
    return read_exactly(packet.data(), length);
  }

  ssh_session m_session;
  milliseconds m_timeout;
  ssh_channel m_channel = nullptr;
  std::uint32_t m_next_id = 1;
  std::set<std::uint32_t> m_pending;
  std::map<std::uint32_t, Reply> m_replies;
  bool m_posix_rename = false;
  bool m_fsync = false;
  bool m_timed_out = false;
};

namespace {

std::string path_body(const std::string& path) {
  std::string body;
  put_string(body, path);
  return body;
}

// Opens `path` for writing, truncated, created 0600: the handle, or the failed reply.
Reply open_for_write(SftpChannel& sftp, const std::string& path) {
  std::string body = path_body(path);
  put_u32(body, k_open_write | k_open_create | k_open_truncate);
  put_permissions(body, 0600);
  return sftp.call(k_open, body);
}

// Every ancestor of `path`, outermost first; those that exist already just fail.
void make_parents(SftpChannel& sftp, const std::string& path) {
  for (std::size_t slash = path.find('/', 1); slash != std::string::npos;
       slash = path.find('/', slash + 1)) {
    std::string body = path_body(path.substr(0, slash));
    put_permissions(body, 0700);
    sftp.call(k_mkdir, body);
  }
}

// Writes `content` into the open `handle` with up to k_in_flight writes outstanding.
std::optional<Reply> write_all(SftpChannel& sftp, const std::string& handle,
                               std::string_view content) {
  std::size_t offset = 0;
  while (offset < content.size() || sftp.pending() > 0) {
    if (offset < content.size() && sftp.pending() < k_in_flight) {
      const std::size_t size = std::min(k_chunk, content.size() - offset);
      std::string body;
      put_string(body, handle);
      put_u64(body, offset);
      put_string(body, content.substr(offset, size));
      sftp.send(k_write, body);
      offset += size;
      continue;
    }
    sftp.receive_one();
    if (auto failure = sftp.take_failure()) {
      while (sftp.pending() > 0) {
        sftp.receive_one();  // the rest of the in-flight writes, before the handle closes
      }
      return failure;
    }
  }
  return std::nullopt;
}

// Writes the file through an SFTP channel that has been started; true when the host synced it
// to disk (fsync@openssh.com) before the rename.
bool write_file(SftpChannel& sftp, std::string_view content, const std::string& remote_path,
                int mode) {
  const std::string staging = remote_path + ".bosun-upload";
  const auto fail = [&](const std::string& doing, const Reply& reply) {
    sftp.call(k_remove, path_body(staging));  // best effort: no half file left behind
    throw std::runtime_error("cannot " + doing + " over SFTP: " + status_text(reply));
  };
  Reply opened = open_for_write(sftp, staging);
  if (opened.type == k_status && opened.status == k_status_no_such_file) {
    make_parents(sftp, staging);
    opened = open_for_write(sftp, staging);
  }
  if (opened.type != k_handle) {
    throw std::runtime_error("cannot create " + staging + " over SFTP: " + status_text(opened));
  }
  std::optional<Reply> failed_write = write_all(sftp, opened.text, content);
  if (!failed_write && sftp.has_fsync()) {
    // On the host's disk before it takes the final name: a power cut after "uploaded" does
    // not leave an empty or torn file under it.
    std::string fsync;
    put_string(fsync, "fsync@openssh.com");
    put_string(fsync, opened.text);
    if (const Reply synced = sftp.call(k_extended, fsync); synced.status != k_status_ok) {
      failed_write = synced;
    }
  }
  const Reply closed = sftp.call(k_close, path_body(opened.text));
  if (failed_write) {
    fail("write " + staging, *failed_write);
  }
  if (closed.status != k_status_ok) {
    fail("write " + staging, closed);
  }
  std::string chmod = path_body(staging);
  put_permissions(chmod, mode);
  if (const Reply reply = sftp.call(k_setstat, chmod); reply.status != k_status_ok) {
    fail("set the mode of " + staging, reply);
  }
  std::string rename;
  if (sftp.has_posix_rename()) {
    put_string(rename, "posix-rename@openssh.com");
  } else {
    // Plain SFTP rename refuses an existing target: the old file goes first (not atomic).
    sftp.call(k_remove, path_body(remote_path));
  }
  put_string(rename, staging);
  put_string(rename, remote_path);
  const Reply renamed = sftp.call(sftp.has_posix_rename() ? k_extended : k_rename, rename);
  if (renamed.status != k_status_ok) {
    fail("put " + remote_path + " in place", renamed);
  }
  return sftp.has_fsync();
}

// The whole of `remote_path`, or nullopt when it does not exist. Sequential reads: the files
// read this way are small.
std::optional<std::string> read_file(SftpChannel& sftp, const std::string& remote_path) {
  std::string open = path_body(remote_path);
  put_u32(open, k_open_read);
  put_u32(open, 0);  // no attributes
  const Reply opened = sftp.call(k_open, open);
  if (opened.type == k_status && opened.status == k_status_no_such_file) {
    return std::nullopt;
  }
  if (opened.type != k_handle) {
    throw std::runtime_error("cannot open " + remote_path + " over SFTP: " + status_text(opened));
  }
  std::string content;
  std::optional<Reply> failed;
  while (true) {
    std::string body;
    put_string(body, opened.text);
    put_u64(body, content.size());
    put_u32(body, static_cast<std::uint32_t>(k_chunk));
    const Reply reply = sftp.call(k_read, body);
    if (reply.type == k_data && !reply.text.empty() &&
        content.size() + reply.text.size() <= k_largest_download) {
      content += reply.text;
      continue;
    }
    if (!(reply.type == k_status && reply.status == k_status_eof)) {
      failed = reply;
    }
    break;
  }
  sftp.call(k_close, path_body(opened.text));
  if (failed) {
    throw std::runtime_error(
        "cannot read " + remote_path + " over SFTP: " +
        (failed->type == k_data ? std::string("larger than 1 MiB") : status_text(*failed)));
  }
  return content;
}

}  // namespace

SftpUploader::SftpUploader(ssh_session_struct* session, milliseconds timeout)
    : m_session(session), m_timeout(timeout) {}

SftpUploader::~SftpUploader() = default;

bool SftpUploader::open_channel() {
  if (m_unavailable) {
    return false;
  }
  if (!m_channel) {
    auto channel = std::make_unique<SftpChannel>(m_session, m_timeout);
    if (!channel->start()) {
      m_unavailable = true;
      return false;
    }
    m_channel = std::move(channel);
  }
  return true;
}

std::optional<std::optional<std::string>> SftpUploader::download(const std::string& remote_path) {
  if (!open_channel()) {
    return std::nullopt;
  }
  try {
    return read_file(*m_channel, remote_path);
  } catch (...) {
    m_channel.reset();
    throw;
  }
}

SftpUploadResult SftpUploader::upload(std::string_view content, const std::string& remote_path,
                                      int mode) {
  if (!open_channel()) {
    return SftpUploadResult::unavailable;
  }
  try {
    m_last_synced = write_file(*m_channel, content, remote_path, mode);
  } catch (...) {
    m_channel.reset();  // maybe broken, maybe mid-exchange: not trusted with the next file
    throw;
  }
  return SftpUploadResult::written;
}

}  // namespace bosun::controller::transport
