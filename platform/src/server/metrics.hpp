#pragma once
// Request counters and latency histograms, rendered in the Prometheus text format.

#include <array>
#include <cstdint>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <utility>

namespace platform {

class Metrics {
 public:
  void observe(const std::string& method, const std::string& route, int status, double seconds);
  // `queue_depth` is absent when Redis cannot be asked.
  std::string render(std::optional<std::int64_t> queue_depth,
                     std::optional<std::int64_t> dead_jobs) const;

  static constexpr std::array<double, 11> k_buckets{0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025,
                                                    0.05,   0.1,   0.25,   0.5,   1.0};

 private:
  struct Histogram {
    std::array<std::uint64_t, k_buckets.size()> buckets{};  // cumulative counts per bucket
    std::uint64_t count = 0;
    double sum = 0;
  };

  mutable std::mutex m_mutex;
  std::map<std::tuple<std::string, std::string, int>, std::uint64_t> m_requests;
  std::map<std::string, Histogram> m_latency;  // by route
};

}  // namespace platform
