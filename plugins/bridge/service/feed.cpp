// The live feed (GET /api/v1/feed) and the gauges of /metrics.
#include "internal.hpp"

namespace touchpoint::bridge {

std::vector<FeedEvent> Service::feed_after(std::int64_t after_id, std::size_t limit) {
  std::vector<FeedEvent> out;
  if (limit == 0) return out;
  for (const auto& a : store_.activity().events_after(after_id, limit))
    out.push_back(FeedEvent{a.event.id, a.event.type, detail::activity_json(a)});
  return out;
}

std::int64_t Service::last_event_id() {
  return store_.activity().last_event_id();
}

QueueSizes Service::queue_sizes() {
  auto counts = store_.activity().queue_counts();
  return QueueSizes{counts.open_tasks, counts.queued_messages, counts.scheduled_steps,
                    counts.unknown_messages};
}

}  // namespace touchpoint::bridge
