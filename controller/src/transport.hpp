#pragma once
// How the controller reaches a host: run a command there (streaming its output line by line)
// and upload a file. SshTransport uses one libssh session per host for every step;
// LocalTransport runs the same commands on this machine for `localhost`. Commands are argv
// lists; a transport that needs a shell line quotes them itself.

#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace bosun::controller {

struct RemoteResult {
  int exit_code = -1;  // -1: the command did not run to the end (connection lost, timeout)
  std::string error;   // why, when it did not
  std::string output;  // everything it printed, when `keep_output`
};

using LineSink = std::function<void(std::string_view line)>;

class Transport {
 public:
  virtual ~Transport() = default;
  // Runs `argv`; each output line (stdout and stderr merged) goes to `on_line` as it comes.
  virtual RemoteResult run(const std::vector<std::string>& argv, const LineSink& on_line,
                           std::chrono::milliseconds timeout) = 0;
  // Writes `content` to `remote_path` with `mode`, atomically (a temporary name, then rename).
  // Throws std::runtime_error naming the host and path.
  virtual void upload(const std::string& content, const std::string& remote_path, int mode) = 0;
  // "ssh deploy@10.0.0.5:22" or "local".
  virtual std::string describe() const = 0;

  // run() collecting the output instead of streaming it.
  RemoteResult capture(const std::vector<std::string>& argv, std::chrono::milliseconds timeout);
};

// 'quoted' for a POSIX shell, safe for any byte but NUL.
std::string shell_quote(std::string_view word);
std::string shell_line(const std::vector<std::string>& argv);

class LocalTransport final : public Transport {
 public:
  RemoteResult run(const std::vector<std::string>& argv, const LineSink& on_line,
                   std::chrono::milliseconds timeout) override;
  void upload(const std::string& content, const std::string& remote_path, int mode) override;
  std::string describe() const override { return "local"; }
};

}  // namespace bosun::controller
