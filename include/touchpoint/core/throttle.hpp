#pragma once
// Per-mailbox send throttles (DESIGN.md §3.1, last paragraph; §7 `mailboxes[].limits`). A
// throttle never moves a step earlier: it may only delay a send, and the engine shows the delay.
//
// The windows are rolling, not calendar-aligned:
//   per_minute           at most N sends in any 60 seconds: a send at t is allowed when fewer
//                        than N sends fall in (t - 60 s, t];
//   per_day              at most N sends in any 24 hours: fewer than N in (t - 24 h, t];
//   min_spacing_seconds  at least this many seconds after the mailbox's latest send.
// Pure: no clock, no I/O; `now` is a parameter.

#include <chrono>
#include <string>
#include <vector>

#include <touchpoint/core/time.hpp>

namespace touchpoint::core {

// Defaults keep the two common hosted mailboxes within their published sending limits: a
// Gmail / Google Workspace account (2,000 messages a day) and a Microsoft 365 account (30
// messages a minute, 10,000 recipients a day); two seconds between sends keeps bursts from
// looking like bulk mail to either.
struct SendLimits {
  int per_day = 2000;           // >= 1
  int per_minute = 30;          // >= 1
  int min_spacing_seconds = 2;  // >= 0
};

// The longest window a rule looks back over: sends older than `now - kThrottleHorizon` never
// matter.
inline constexpr std::chrono::seconds kThrottleHorizon{24 * 3600};

struct ThrottleDecision {
  Timestamp at{};     // the earliest instant >= now at which the next send is allowed
  std::string limit;  // the limit that holds it ("per_minute 30"); empty when at == now
  bool held(Timestamp now) const { return at > now; }
};

// `sent`: the instants of the mailbox's sends (any order; at least those after
// `now - kThrottleHorizon`; older ones are ignored). A send recorded after `now` (a clock set
// back) counts as if it had happened: the rule stays conservative.
ThrottleDecision next_send_allowed(const SendLimits& limits, const std::vector<Timestamp>& sent,
                                   Timestamp now);

// "throttled: per_minute 30 until 2026-03-02T10:01:00Z"
std::string describe_throttle(const ThrottleDecision& decision);

}  // namespace touchpoint::core
