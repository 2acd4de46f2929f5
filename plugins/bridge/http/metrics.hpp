#pragma once
// The counters /metrics shows, in Prometheus text format: requests by route and status, a
// latency histogram by route, the engine loop's sends and errors. Thread-safe (one mutex;
// a request holds it for a few map updates).

#include <array>
#include <chrono>
#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include <touchpoint/bridge/service.hpp>

namespace touchpoint::bridge::http {

class Metrics {
 public:
  // `routes`: a label per route index ("GET /api/v1/tasks"); requests matching no route are
  // counted under the label "unmatched".
  explicit Metrics(std::vector<std::string> routes);

  static constexpr std::size_t kUnmatched = static_cast<std::size_t>(-1);
  void record(std::size_t route, unsigned status, std::chrono::nanoseconds latency);
  void record_engine_tick(std::size_t sent, std::size_t deferred, std::size_t failed);
  void record_engine_error();
  void feed_opened();
  void feed_closed();

  std::string render(const QueueSizes& queues) const;

 private:
  // Upper bounds in seconds; the last bucket is +Inf.
  static constexpr std::array<double, 12> kBuckets{0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025,
                                                   0.05,   0.1,   0.25,   0.5,   1.0,   2.5};
  struct Histogram {
    std::array<std::uint64_t, kBuckets.size() + 1> counts{};
    double sum = 0;
    std::uint64_t count = 0;
  };
  const std::string& label(std::size_t route) const;

  std::vector<std::string> routes_;
  mutable std::mutex mutex_;
  std::map<std::pair<std::size_t, unsigned>, std::uint64_t> requests_;
  std::map<std::size_t, Histogram> latency_;
  std::uint64_t engine_sent_ = 0, engine_deferred_ = 0, engine_failed_ = 0, engine_errors_ = 0;
  std::int64_t feeds_open_ = 0;
};

}  // namespace touchpoint::bridge::http
