#pragma once
// How the controller reaches a host: run a command there (streaming its output line by line)
// and upload a file. SshTransport uses one libssh session per host for every step;
// LocalTransport runs the same commands on this machine for `localhost`. Commands are argv
// lists; a transport that needs a shell line quotes them itself.

#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace bosun::controller::transport {

struct RemoteResult {
  int exit_code = -1;  // -1: the command did not run to the end (connection lost, timeout)
  std::string error;   // why, when it did not
  std::string output;  // everything it printed, when `keep_output`
};

using LineSink = std::function<void(std::string_view line)>;
// Like LineSink, returning true to stop reading after this line.
using LineReader = std::function<bool(std::string_view line)>;

// A command left running on the host and talked to over its stdin (the agent session).
// Output is stdout and stderr merged, handed over line by line.
class RemoteCommand {
 public:
  enum class Read { stopped, ended, timed_out, lost };

  virtual ~RemoteCommand() = default;
  // Writes `text` to the command's stdin. False when it cannot (see error()).
  virtual bool send(std::string_view text) = 0;
  // Reads output lines into `on_line` until it returns true (stopped), the output ends
  // (ended), `timeout` passes (timed_out) or the connection breaks (lost).
  virtual Read read(const LineReader& on_line, std::chrono::milliseconds timeout) = 0;
  // Closes stdin, hands what is left of the output to `on_line` and returns how the command
  // ended. A command still running at `timeout` is stopped.
  virtual RemoteResult finish(const LineSink& on_line, std::chrono::milliseconds timeout) = 0;
  // Why the last send() or read() failed.
  virtual std::string error() const = 0;
};

class Transport {
 public:
  virtual ~Transport() = default;
  // Connects now, so that an unknown host key or a refused login shows before anything
  // changes. Throws std::runtime_error (SshError for SSH) saying why; a no-op for transports
  // that need no connection.
  virtual void connect() {}
  // Starts `argv` with its stdin open. Never null: a command that could not start reports
  // it through read() / finish().
  virtual std::unique_ptr<RemoteCommand> start(const std::vector<std::string>& argv) = 0;
  // A stream to a Unix socket on the host, talked to like a command (no shell, no process
  // there). Null when the transport has no such thing; error() says why it failed.
  virtual std::unique_ptr<RemoteCommand> connect_unix(const std::string& /*path*/) {
    return nullptr;
  }
  // Runs `argv` to its end with nothing on stdin; each output line (stdout and stderr
  // merged) goes to `on_line` as it comes.
  RemoteResult run(const std::vector<std::string>& argv, const LineSink& on_line,
                   std::chrono::milliseconds timeout);
  // Writes `content` to `remote_path` with `mode`, atomically (a temporary name, then rename).
  // Throws std::runtime_error naming the host and path.
  virtual void upload(const std::string& content, const std::string& remote_path, int mode) = 0;
  // The content of `remote_path`; nullopt when there is no such file. Here by `cat` on an exec
  // channel; SSH reads it over SFTP instead, so that nothing a login shell prints gets into it.
  // Throws std::runtime_error naming the path.
  virtual std::optional<std::string> download(const std::string& remote_path);
  // "ssh deploy@10.0.0.5:22" or "local".
  virtual std::string describe() const = 0;

  // run() collecting the output instead of streaming it.
  RemoteResult capture(const std::vector<std::string>& argv, std::chrono::milliseconds timeout);
};

// 'quoted' for a POSIX shell, safe for any byte but NUL.
std::string shell_quote(std::string_view word);
std::string shell_line(const std::vector<std::string>& argv);

// A reader that passes every line on and never stops (to read a command to its end).
LineReader every_line(const LineSink& on_line);
// A sink that appends each line and a newline to `output`.
LineSink append_to(std::string& output);

class LocalTransport final : public Transport {
 public:
  std::unique_ptr<RemoteCommand> start(const std::vector<std::string>& argv) override;
  void upload(const std::string& content, const std::string& remote_path, int mode) override;
  std::string describe() const override { return "local"; }
};

}  // namespace bosun::controller::transport
