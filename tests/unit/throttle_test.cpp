// Per-mailbox send throttles (core/throttle.hpp): rolling per-minute and per-day windows and the
// minimum spacing between sends. Expected instants are worked out by hand from the rules.
#include <catch2/catch.hpp>

#include <touchpoint/core/throttle.hpp>

using namespace touchpoint::core;

namespace {

Timestamp instant(const char* text) {
  auto t = parse_instant(text);
  REQUIRE(t);
  return *t;
}

std::vector<Timestamp> instants(std::initializer_list<const char*> texts) {
  std::vector<Timestamp> out;
  for (const char* t : texts) out.push_back(instant(t));
  return out;
}

// `count` sends, `step` apart, the first at `first`.
std::vector<Timestamp> series(const char* first, int count, std::chrono::seconds step) {
  std::vector<Timestamp> out;
  for (int i = 0; i < count; ++i) out.push_back(instant(first) + i * step);
  return out;
}

struct Case {
  const char* name;
  SendLimits limits;
  std::vector<Timestamp> sent;
  const char* now;
  const char* allowed_at;
  const char* limit;  // "" when not held
};

}  // namespace

TEST_CASE("throttle: the earliest allowed instant and the limit that holds it", "[throttle]") {
  using std::chrono::seconds;
  const std::vector<Case> cases = {
      {"no sends yet: now", {}, {}, "2026-03-02T10:00:00Z", "2026-03-02T10:00:00Z", ""},
      {"below every limit: now",
       {2000, 30, 2},
       instants({"2026-03-02T09:59:00Z", "2026-03-02T09:59:30Z"}),
       "2026-03-02T10:00:00Z",
       "2026-03-02T10:00:00Z",
       ""},
      // min spacing: 2 s after the latest send, wherever the list puts it.
      {"min spacing holds right after a send",
       {2000, 30, 2},
       instants({"2026-03-02T10:00:00Z", "2026-03-02T09:00:00Z"}),
       "2026-03-02T10:00:01Z",
       "2026-03-02T10:00:02Z",
       "min_spacing_seconds 2"},
      {"min spacing met exactly",
       {2000, 30, 2},
       instants({"2026-03-02T10:00:00Z"}),
       "2026-03-02T10:00:02Z",
       "2026-03-02T10:00:02Z",
       ""},
      {"min spacing 0 never holds",
       {2000, 30, 0},
       instants({"2026-03-02T10:00:00Z"}),
       "2026-03-02T10:00:00Z",
       "2026-03-02T10:00:00Z",
       ""},
      {"min spacing 300 s",
       {2000, 30, 300},
       instants({"2026-03-02T10:00:00Z"}),
       "2026-03-02T10:01:00Z",
       "2026-03-02T10:05:00Z",
       "min_spacing_seconds 300"},
      // per_minute: rolling 60 s, not the calendar minute.
      {"per_minute 3 full: the oldest of the 3 leaves the window 60 s after it",
       {2000, 3, 0},
       instants({"2026-03-02T10:00:10Z", "2026-03-02T10:00:20Z", "2026-03-02T10:00:30Z"}),
       "2026-03-02T10:00:40Z",
       "2026-03-02T10:01:10Z",
       "per_minute 3"},
      {"per_minute 3: a send exactly 60 s ago is out of the window",
       {2000, 3, 0},
       instants({"2026-03-02T10:00:00Z", "2026-03-02T10:00:20Z", "2026-03-02T10:00:30Z"}),
       "2026-03-02T10:01:00Z",
       "2026-03-02T10:01:00Z",
       ""},
      {"per_minute 3: rolling across the calendar minute",
       {2000, 3, 0},
       instants({"2026-03-02T10:00:50Z", "2026-03-02T10:00:55Z", "2026-03-02T10:01:05Z"}),
       "2026-03-02T10:01:10Z",
       "2026-03-02T10:01:50Z",
       "per_minute 3"},
      {"per_minute 3 with 5 in the window: the 3rd newest decides",
       {2000, 3, 0},
       instants({"2026-03-02T10:00:01Z", "2026-03-02T10:00:02Z", "2026-03-02T10:00:03Z",
                 "2026-03-02T10:00:04Z", "2026-03-02T10:00:05Z"}),
       "2026-03-02T10:00:30Z",
       "2026-03-02T10:01:03Z",
       "per_minute 3"},
      {"per_minute 30 (the default) after 30 sends 2 s apart",
       {},
       series("2026-03-02T10:00:00Z", 30, seconds(2)),
       "2026-03-02T10:00:58Z",
       "2026-03-02T10:01:00Z",
       "per_minute 30"},
      {"per_minute 30 after 29 sends: only the spacing",
       {},
       series("2026-03-02T10:00:00Z", 29, seconds(2)),
       "2026-03-02T10:00:57Z",
       "2026-03-02T10:00:58Z",
       "min_spacing_seconds 2"},
      // per_day: rolling 24 h.
      {"per_day 2 full: 24 h after the older one",
       {2, 30, 0},
       instants({"2026-03-02T09:00:00Z", "2026-03-02T15:00:00Z"}),
       "2026-03-02T16:00:00Z",
       "2026-03-03T09:00:00Z",
       "per_day 2"},
      {"per_day 2: a send 24 h ago no longer counts",
       {2, 30, 0},
       instants({"2026-03-01T16:00:00Z", "2026-03-02T15:00:00Z"}),
       "2026-03-02T16:00:00Z",
       "2026-03-02T16:00:00Z",
       ""},
      {"per_day 2000 (the default) spread over the day",
       {},
       series("2026-03-02T00:00:00Z", 2000, seconds(40)),
       "2026-03-02T22:20:00Z",
       "2026-03-03T00:00:00Z",
       "per_day 2000"},
      {"sends older than a day are ignored",
       {1, 1, 0},
       instants({"2026-02-20T10:00:00Z"}),
       "2026-03-02T10:00:00Z",
       "2026-03-02T10:00:00Z",
       ""},
      // Several limits: the latest release wins, and names its limit.
      {"per_day holds longer than per_minute",
       {3, 2, 5},
       instants({"2026-03-02T10:00:00Z", "2026-03-02T10:00:10Z", "2026-03-02T10:00:20Z"}),
       "2026-03-02T10:00:21Z",
       "2026-03-03T10:00:00Z",
       "per_day 3"},
      {"per_minute holds longer than the spacing",
       {100, 2, 5},
       instants({"2026-03-02T10:00:10Z", "2026-03-02T10:00:20Z"}),
       "2026-03-02T10:00:21Z",
       "2026-03-02T10:01:10Z",
       "per_minute 2"},
      {"a send recorded after now (clock set back) still counts",
       {2000, 30, 2},
       instants({"2026-03-02T10:05:00Z"}),
       "2026-03-02T10:00:00Z",
       "2026-03-02T10:05:02Z",
       "min_spacing_seconds 2"},
  };
  for (const auto& c : cases) {
    SECTION(c.name) {
      auto now = instant(c.now);
      auto d = next_send_allowed(c.limits, c.sent, now);
      CHECK(format_utc(d.at) == c.allowed_at);
      CHECK(d.limit == c.limit);
      CHECK(d.held(now) == (std::string(c.limit) != ""));
      CHECK(d.at >= now);  // never earlier than now
    }
  }
}

TEST_CASE("throttle: the detail shown on a held message", "[throttle]") {
  auto d = next_send_allowed(
      {2000, 3, 0},
      instants({"2026-03-02T10:00:10Z", "2026-03-02T10:00:20Z", "2026-03-02T10:00:30Z"}),
      instant("2026-03-02T10:00:40Z"));
  CHECK(describe_throttle(d) == "throttled: per_minute 3 until 2026-03-02T10:01:10Z");
}

TEST_CASE("throttle: sending at every allowed instant never exceeds a limit", "[throttle]") {
  // Simulates a mailbox that sends whenever the rule allows, for two days, and checks every
  // rolling window and every gap afterwards.
  const SendLimits limits{100, 7, 3};
  std::vector<Timestamp> sent;
  auto now = instant("2026-03-02T00:00:00Z");
  const auto end = now + std::chrono::hours(48);
  for (;;) {
    auto d = next_send_allowed(limits, sent, now);
    REQUIRE(d.at >= now);
    if (d.at >= end) break;
    now = d.at;
    sent.push_back(now);
  }
  for (std::size_t i = 0; i < sent.size(); ++i) {
    if (i > 0) CHECK(sent[i] - sent[i - 1] >= std::chrono::seconds(3));
    std::size_t in_minute = 0, in_day = 0;
    for (std::size_t j = 0; j <= i; ++j) {
      if (sent[j] > sent[i] - std::chrono::seconds(60)) ++in_minute;
      if (sent[j] > sent[i] - std::chrono::hours(24)) ++in_day;
    }
    CHECK(in_minute <= 7);
    CHECK(in_day <= 100);
  }
  // 100 a day for two days: the limit is used, not just respected.
  CHECK(sent.size() == 200);
}
