#pragma once
// Test support: a bounded load loop as a user's traffic looks to a server during a deploy: one
// new TCP connection per request (GET with Connection: close), one request after the other,
// on its own thread, until stopped or its time cap. Every request is a sample: when it began,
// how long it took, whether it got a 200, and the "version" its JSON body named, so that a test
// counts the failed requests and sees which code answered. Loopback only.

#include <atomic>
#include <chrono>
#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace bosun::test {

struct LoadSample {
  std::chrono::steady_clock::time_point began;
  double latency_ms = 0;
  bool ok = false;
  std::string version;  // from the body; "" when none
  std::string error;    // why it failed: "connect: Connection refused", "status 502", ...
};

struct LoadSummary {
  int ok = 0;
  int failed = 0;
  int refused = 0;  // of the failed: no connection at all (nothing listened, or a full queue)
  std::map<std::string, int> versions;  // answers per version
  std::vector<std::string> errors;      // the first few failures, with when they happened
  std::string describe() const;         // "812 ok, 0 failed; v1: 400, v2: 412"
};

LoadSummary summarize(const std::vector<LoadSample>& samples);

class LoadLoop {
 public:
  // `port` on 127.0.0.1; each request gives up after `timeout`.
  LoadLoop(unsigned short port, std::string path = "/version",
           std::chrono::milliseconds timeout = std::chrono::seconds(5),
           std::chrono::minutes cap = std::chrono::minutes(10));
  ~LoadLoop();
  LoadLoop(const LoadLoop&) = delete;
  LoadLoop& operator=(const LoadLoop&) = delete;

  // Stops the loop (waits for the request in flight) and returns every sample.
  std::vector<LoadSample> stop();
  // The samples so far.
  std::vector<LoadSample> samples() const;
  // Waits (bounded) until `count` more requests than now have been answered with a 200.
  bool wait_for_answers(int count, std::chrono::milliseconds timeout);

 private:
  void run();

  unsigned short m_port;
  std::string m_path;
  std::chrono::milliseconds m_timeout;
  std::chrono::steady_clock::time_point m_end;
  std::atomic<bool> m_stop{false};
  mutable std::mutex m_mutex;
  std::vector<LoadSample> m_samples;
  std::atomic<int> m_ok{0};
  std::thread m_thread;
};

// One request as the loop makes it (also for benchmarks).
LoadSample request_once(unsigned short port, const std::string& path,
                        std::chrono::milliseconds timeout);

}  // namespace bosun::test
