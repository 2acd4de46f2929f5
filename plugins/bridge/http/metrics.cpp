#include "metrics.hpp"

#include <sstream>

namespace touchpoint::bridge::http {

Metrics::Metrics(std::vector<std::string> routes) : routes_(std::move(routes)) {}

const std::string& Metrics::label(std::size_t route) const {
  static const std::string unmatched = "unmatched";
  return route < routes_.size() ? routes_[route] : unmatched;
}

void Metrics::record(std::size_t route, unsigned status, std::chrono::nanoseconds latency) {
  double seconds = std::chrono::duration<double>(latency).count();
  std::size_t bucket = 0;
  while (bucket < kBuckets.size() && seconds > kBuckets[bucket]) ++bucket;
  std::lock_guard lock(mutex_);
  ++requests_[{route, status}];
  auto& h = latency_[route];
  ++h.counts[bucket];
  h.sum += seconds;
  ++h.count;
}

void Metrics::record_engine_tick(std::size_t sent, std::size_t deferred, std::size_t failed) {
  std::lock_guard lock(mutex_);
  engine_sent_ += sent;
  engine_deferred_ += deferred;
  engine_failed_ += failed;
}

void Metrics::record_engine_error() {
  std::lock_guard lock(mutex_);
  ++engine_errors_;
}

void Metrics::feed_opened() {
  std::lock_guard lock(mutex_);
  ++feeds_open_;
}

void Metrics::feed_closed() {
  std::lock_guard lock(mutex_);
  --feeds_open_;
}

std::string Metrics::render(const QueueSizes& queues) const {
  std::ostringstream out;
  std::lock_guard lock(mutex_);
  out << "# HELP touchpoint_http_requests_total HTTP requests answered, by route and status.\n"
         "# TYPE touchpoint_http_requests_total counter\n";
  for (const auto& [key, n] : requests_)
    out << "touchpoint_http_requests_total{route=\"" << label(key.first) << "\",status=\""
        << key.second << "\"} " << n << '\n';
  out << "# HELP touchpoint_http_request_duration_seconds Time to handle a request, by route.\n"
         "# TYPE touchpoint_http_request_duration_seconds histogram\n";
  for (const auto& [route, h] : latency_) {
    const auto& name = label(route);
    std::uint64_t cumulative = 0;
    for (std::size_t i = 0; i < kBuckets.size(); ++i) {
      cumulative += h.counts[i];
      out << "touchpoint_http_request_duration_seconds_bucket{route=\"" << name << "\",le=\""
          << kBuckets[i] << "\"} " << cumulative << '\n';
    }
    out << "touchpoint_http_request_duration_seconds_bucket{route=\"" << name
        << "\",le=\"+Inf\"} " << h.count << '\n'
        << "touchpoint_http_request_duration_seconds_sum{route=\"" << name << "\"} " << h.sum
        << '\n'
        << "touchpoint_http_request_duration_seconds_count{route=\"" << name << "\"} " << h.count
        << '\n';
  }
  out << "# HELP touchpoint_live_feeds Live feed (SSE) connections open.\n"
         "# TYPE touchpoint_live_feeds gauge\n"
      << "touchpoint_live_feeds " << feeds_open_ << '\n';
  out << "# HELP touchpoint_queue_size Work waiting, by queue.\n"
         "# TYPE touchpoint_queue_size gauge\n"
      << "touchpoint_queue_size{queue=\"open_tasks\"} " << queues.open_tasks << '\n'
      << "touchpoint_queue_size{queue=\"queued_messages\"} " << queues.queued_messages << '\n'
      << "touchpoint_queue_size{queue=\"scheduled_steps\"} " << queues.scheduled_steps << '\n'
      << "touchpoint_queue_size{queue=\"unknown_messages\"} " << queues.unknown_messages << '\n';
  out << "# HELP touchpoint_engine_sends_total Emails handed to the mail transport by this "
         "process, by outcome.\n"
         "# TYPE touchpoint_engine_sends_total counter\n"
      << "touchpoint_engine_sends_total{outcome=\"sent\"} " << engine_sent_ << '\n'
      << "touchpoint_engine_sends_total{outcome=\"deferred\"} " << engine_deferred_ << '\n'
      << "touchpoint_engine_sends_total{outcome=\"failed\"} " << engine_failed_ << '\n';
  std::uint64_t server_errors = 0;
  for (const auto& [key, n] : requests_)
    if (key.second >= 500) server_errors += n;
  out << "# HELP touchpoint_errors_total Faults: engine ticks that threw, HTTP 5xx answers.\n"
         "# TYPE touchpoint_errors_total counter\n"
      << "touchpoint_errors_total{source=\"engine\"} " << engine_errors_ << '\n'
      << "touchpoint_errors_total{source=\"http\"} " << server_errors << '\n';
  return out.str();
}

}  // namespace touchpoint::bridge::http
