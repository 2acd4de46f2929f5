#include <touchpoint/core/throttle.hpp>

#include <algorithm>
#include <functional>

namespace touchpoint::core {

ThrottleDecision next_send_allowed(const SendLimits& limits, const std::vector<Timestamp>& sent,
                                   Timestamp now) {
  // Only sends inside the longest window matter; newest first.
  std::vector<Timestamp> recent;
  recent.reserve(sent.size());
  for (auto t : sent)
    if (t > now - kThrottleHorizon) recent.push_back(t);
  std::sort(recent.begin(), recent.end(), std::greater<>());

  ThrottleDecision decision{now, {}};
  auto hold = [&](Timestamp until, std::string limit) {
    if (until > decision.at) decision = {until, std::move(limit)};
  };
  // A window of length W allows a send at t when fewer than N sends are later than t - W,
  // that is when the N-th newest send s satisfies s <= t - W: t >= s + W.
  auto window = [&](int n, std::chrono::seconds length, const char* name) {
    if (n < 1) return;  // rejected by the configuration; never holds forever
    auto count = static_cast<std::size_t>(n);
    if (recent.size() >= count) hold(recent[count - 1] + length, name + (" " + std::to_string(n)));
  };
  window(limits.per_day, std::chrono::hours(24), "per_day");
  window(limits.per_minute, std::chrono::seconds(60), "per_minute");
  if (limits.min_spacing_seconds > 0 && !recent.empty())
    hold(recent.front() + std::chrono::seconds(limits.min_spacing_seconds),
         "min_spacing_seconds " + std::to_string(limits.min_spacing_seconds));
  return decision;
}

std::string describe_throttle(const ThrottleDecision& decision) {
  return "throttled: " + decision.limit + " until " + format_utc(decision.at);
}

}  // namespace touchpoint::core
