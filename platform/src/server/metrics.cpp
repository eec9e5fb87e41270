#include "server/metrics.hpp"

#include <sstream>
#include <tuple>

namespace platform {

void Metrics::observe(const std::string& method, const std::string& route, int status,
                      double seconds) {
  std::lock_guard lock(m_mutex);
  ++m_requests[{method, route, status}];
  Histogram& histogram = m_latency[route];
  for (std::size_t i = 0; i < k_buckets.size(); ++i) {
    if (seconds <= k_buckets[i]) {
      ++histogram.buckets[i];
    }
  }
  ++histogram.count;
  histogram.sum += seconds;
}

std::string Metrics::render(std::optional<std::int64_t> queue_depth,
                            std::optional<std::int64_t> dead_jobs) const {
  std::ostringstream out;
  std::lock_guard lock(m_mutex);
  out << "# HELP platform_http_requests_total HTTP requests by method, route and status.\n"
         "# TYPE platform_http_requests_total counter\n";
  for (const auto& [key, count] : m_requests) {
    const auto& [method, route, status] = key;
    out << "platform_http_requests_total{method=\"" << method << "\",route=\"" << route
        << "\",status=\"" << status << "\"} " << count << "\n";
  }
  out << "# HELP platform_http_request_duration_seconds Time to answer a request, by route.\n"
         "# TYPE platform_http_request_duration_seconds histogram\n";
  for (const auto& [route, histogram] : m_latency) {
    for (std::size_t i = 0; i < k_buckets.size(); ++i) {
      out << "platform_http_request_duration_seconds_bucket{route=\"" << route << "\",le=\""
          << k_buckets[i] << "\"} " << histogram.buckets[i] << "\n";
    }
    out << "platform_http_request_duration_seconds_bucket{route=\"" << route << "\",le=\"+Inf\"} "
        << histogram.count << "\n"
        << "platform_http_request_duration_seconds_sum{route=\"" << route << "\"} " << histogram.sum
        << "\n"
        << "platform_http_request_duration_seconds_count{route=\"" << route << "\"} "
        << histogram.count << "\n";
  }
  out << "# HELP platform_redis_up Whether Redis answered this scrape.\n"
         "# TYPE platform_redis_up gauge\n"
      << "platform_redis_up " << (queue_depth ? 1 : 0) << "\n";
  if (queue_depth) {
    out << "# HELP platform_queue_depth Content jobs waiting for a worker.\n"
           "# TYPE platform_queue_depth gauge\n"
        << "platform_queue_depth " << *queue_depth << "\n";
  }
  if (dead_jobs) {
    out << "# HELP platform_dead_jobs Content jobs given up after their retries.\n"
           "# TYPE platform_dead_jobs gauge\n"
        << "platform_dead_jobs " << *dead_jobs << "\n";
  }
  return out.str();
}

}  // namespace platform
