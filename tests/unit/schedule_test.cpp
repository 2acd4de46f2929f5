// Scheduling rules of DESIGN.md §3.1, one table-driven case per rule. Expected instants are
// worked out by hand from the rules and the tz database's offsets, not from the code.
#include <catch2/catch.hpp>

#include <touchpoint/core/schedule.hpp>
#include <touchpoint/core/sequence_parser.hpp>

using namespace touchpoint::core;

namespace {

Sequence parse(const std::string& json) {
  auto seq = parse_sequence(json);
  if (!seq) {
    std::string all;
    for (const auto& e : seq.error()) all += to_string(e) + "\n";
    FAIL("sequence rejected:\n" << all);
  }
  return *seq;
}

// A sequence with the given calendar fields and steps.
std::string sequence_json(const std::string& calendar, const std::string& steps) {
  return R"({"name": "t", "timezone": "prospect", )" + calendar + R"(, "steps": [)" + steps + "]}";
}

Timestamp instant(const char* text) {
  auto t = parse_instant(text);
  REQUIRE(t);
  return *t;
}

struct Expect {
  int position;
  const char* due_at;  // UTC
  const char* local;   // in the prospect's zone
};

void check_plan(const std::string& json, const char* zone, const char* start,
                std::vector<Expect> expected) {
  auto seq = parse(json);
  auto resolved = resolve_zone(seq, zone, "");
  REQUIRE(resolved.name == zone);
  auto plan = plan_schedule(seq, resolved, instant(start));
  for (const auto& e : expected) {
    INFO("step " << e.position);
    const auto& step = plan.steps.at(static_cast<std::size_t>(e.position - 1));
    CHECK(format_utc(step.due_at) == e.due_at);
    CHECK(format_local(step.due_at, *resolved.zone) == std::string(e.local));
  }
}

const std::string kWeekdays08to18 =
    R"("skip_weekends": true, "window": {"from": "08:00", "to": "18:00"})";
const std::string kEveryDayNoWindow = R"("skip_weekends": false)";

const std::string kEmail = R"("template": {"subject": "s", "body": "b"})";
std::string email(int day, const std::string& send) {
  return R"({"day": )" + std::to_string(day) + R"(, "type": "email", "send": )" + send + ", " +
         kEmail + "}";
}
std::string threaded(int day) {
  return R"({"day": )" + std::to_string(day) +
         R"(, "type": "email", "send": {"mode": "thread_previous"}, "template": {"body": "b"}})";
}
std::string task(int day, const char* type) {
  return R"({"day": )" + std::to_string(day) + R"(, "type": ")" + type + R"("})";
}
const std::string kChoose = R"({"mode": "choose_at_start"})";
std::string at(const char* hh_mm) {
  return R"({"mode": "at_time", "at": ")" + std::string(hh_mm) + R"("})";
}
const std::string kSame = R"({"mode": "same_as_previous"})";
const std::string kManual = R"({"mode": "manual"})";

}  // namespace

TEST_CASE("rule 1: the zone falls back from prospect to owner to default to UTC",
          "[unit][schedule]") {
  auto prospect_rule =
      parse(R"({"name": "t", "timezone": "prospect", "default_timezone": "Europe/Stockholm",
    "steps": [{"day": 1, "type": "call"}]})");
  CHECK(resolve_zone(prospect_rule, "Asia/Seoul", "America/New_York").name == "Asia/Seoul");
  CHECK(resolve_zone(prospect_rule, "", "America/New_York").name == "America/New_York");
  CHECK(resolve_zone(prospect_rule, "Mars/Olympus_Mons", "").name == "Europe/Stockholm");
  CHECK(resolve_zone(prospect_rule, "", "").name == "Europe/Stockholm");

  auto owner_rule =
      parse(R"({"name": "t", "timezone": "owner", "steps": [{"day": 1, "type": "call"}]})");
  CHECK(resolve_zone(owner_rule, "Asia/Seoul", "America/New_York").name == "America/New_York");
  CHECK(resolve_zone(owner_rule, "Asia/Seoul", "").name == "UTC");

  auto fixed_rule = parse(
      R"({"name": "t", "timezone": "Asia/Kathmandu", "steps": [{"day": 1, "type": "call"}]})");
  CHECK(resolve_zone(fixed_rule, "Asia/Seoul", "America/New_York").name == "Asia/Kathmandu");
}

TEST_CASE("a prospect with no zone and no owner is scheduled in UTC", "[unit][schedule]") {
  auto seq = parse(sequence_json(kWeekdays08to18, email(1, kChoose) + "," + email(2, at("09:30"))));
  auto zone = resolve_zone(seq, "", "");
  REQUIRE(zone.name == "UTC");
  auto plan = plan_schedule(seq, zone, instant("2026-03-02T10:00:00Z"));
  CHECK(format_utc(plan.steps[1].due_at) == "2026-03-03T09:30:00Z");
  CHECK(format_local(plan.steps[1].due_at, *zone.zone) == "2026-03-03T09:30:00+00:00");
}

TEST_CASE("rules 2-4: each send mode and task step in Stockholm", "[unit][schedule]") {
  // Monday 2026-03-02 09:15 in Stockholm (+01:00). Days: 1 Mon 2, 3 Wed 4, 5 Fri 6,
  // 8 Wed 11 (weekend skipped), 10 Fri 13.
  auto steps = email(1, kChoose) + "," + threaded(3) + "," + task(3, "call") + "," +
               email(5, at("09:30")) + "," + email(8, kManual) + "," + email(10, kSame) + "," +
               task(12, "linkedin");
  check_plan(sequence_json(kWeekdays08to18, steps), "Europe/Stockholm", "2026-03-02T08:15:00Z",
             {
                 {1, "2026-03-02T08:15:00Z", "2026-03-02T09:15:00+01:00"},  // S itself
                 {2, "2026-03-04T08:15:00Z", "2026-03-04T09:15:00+01:00"},  // same time of day
                 {3, "2026-03-04T07:00:00Z", "2026-03-04T08:00:00+01:00"},  // window's from
                 {4, "2026-03-06T08:30:00Z", "2026-03-06T09:30:00+01:00"},  // at 09:30
                 {5, "2026-03-11T07:00:00Z", "2026-03-11T08:00:00+01:00"},  // manual → task
                 {6, "2026-03-13T08:30:00Z", "2026-03-13T09:30:00+01:00"},  // as step 4
                 {7, "2026-03-17T07:00:00Z", "2026-03-17T08:00:00+01:00"},  // day 12: Tue 17
             });
}

TEST_CASE("the preview marks actions, threads and task due dates", "[unit][schedule]") {
  auto seq = parse(sequence_json(kWeekdays08to18,
                                 email(1, kChoose) + "," + threaded(3) + "," + email(8, kManual)));
  auto zone = resolve_zone(seq, "Europe/Stockholm", "");
  auto plan = plan_schedule(seq, zone, instant("2026-03-02T08:15:00Z"));
  CHECK(plan.steps[0].action == StepAction::send);
  CHECK_FALSE(plan.steps[0].thread);
  CHECK(plan.steps[1].thread);
  CHECK(plan.steps[2].action == StepAction::task);
  CHECK(format_date(date::year_month_day{plan.steps[2].date}) == "2026-03-11");
}

TEST_CASE("choose_at_start on a weekend start takes S's time on day 1", "[unit][schedule]") {
  // Saturday 2026-03-07 11:00 Stockholm → Monday 2026-03-09 11:00.
  check_plan(sequence_json(kWeekdays08to18, email(1, kChoose)), "Europe/Stockholm",
             "2026-03-07T10:00:00Z", {{1, "2026-03-09T10:00:00Z", "2026-03-09T11:00:00+01:00"}});
}

TEST_CASE("zones: Seoul, Kathmandu +05:45", "[unit][schedule]") {
  check_plan(sequence_json(kWeekdays08to18, email(1, kChoose) + "," + email(2, at("09:30"))),
             "Asia/Seoul", "2026-03-02T00:15:00Z",
             {{1, "2026-03-02T00:15:00Z", "2026-03-02T09:15:00+09:00"},
              {2, "2026-03-03T00:30:00Z", "2026-03-03T09:30:00+09:00"}});
  // 05:45 local on Monday; 09:30 local is 03:45Z.
  check_plan(sequence_json(kWeekdays08to18, email(1, at("09:30"))), "Asia/Kathmandu",
             "2026-03-02T00:00:00Z", {{1, "2026-03-02T03:45:00Z", "2026-03-02T09:30:00+05:45"}});
}

TEST_CASE("rule 7: a 02:30 step on New York's spring-forward night sends at 03:30",
          "[unit][schedule]") {
  // 2026-03-08 is a Sunday; 02:00 EST jumps to 03:00 EDT.
  check_plan(sequence_json(kEveryDayNoWindow, email(1, at("02:30"))), "America/New_York",
             "2026-03-08T05:00:00Z", {{1, "2026-03-08T07:30:00Z", "2026-03-08T03:30:00-04:00"}});
}

TEST_CASE("rule 7: a 01:30 step on New York's fall-back night takes the earlier instant",
          "[unit][schedule]") {
  // 2026-11-01: 01:30 happens at EDT (05:30Z) and again at EST (06:30Z).
  check_plan(sequence_json(kEveryDayNoWindow, email(1, at("01:30"))), "America/New_York",
             "2026-11-01T04:00:00Z", {{1, "2026-11-01T05:30:00Z", "2026-11-01T01:30:00-04:00"}});
}

TEST_CASE("same_as_previous on the fall-back night never goes before the previous email",
          "[unit][schedule]") {
  // S is the second 01:30 (EST). The same time of day on the same date reads as the earlier
  // 01:30, which is before the previous email: it takes that email's instant.
  check_plan(sequence_json(kEveryDayNoWindow, email(1, kChoose) + "," + email(1, kSame)),
             "America/New_York", "2026-11-01T06:30:00Z",
             {{1, "2026-11-01T06:30:00Z", "2026-11-01T01:30:00-05:00"},
              {2, "2026-11-01T06:30:00Z", "2026-11-01T01:30:00-05:00"}});
}

TEST_CASE("rule 7: Lord Howe's 30-minute spring forward moves 02:15 to 02:45", "[unit][schedule]") {
  // 2026-10-04 (Sunday): 02:00 +10:30 jumps to 02:30 +11:00. 02:15 read at +10:30 is 15:45Z.
  check_plan(sequence_json(kEveryDayNoWindow, email(1, at("02:15"))), "Australia/Lord_Howe",
             "2026-10-03T13:30:00Z", {{1, "2026-10-03T15:45:00Z", "2026-10-04T02:45:00+11:00"}});
  // The next day at 02:15 is a normal +11:00 time.
  check_plan(sequence_json(kEveryDayNoWindow, email(1, at("02:15")) + "," + email(2, kSame)),
             "Australia/Lord_Howe", "2026-10-03T13:30:00Z",
             {{2, "2026-10-04T15:45:00Z", "2026-10-05T02:45:00+11:00"}});
}

TEST_CASE("rule 5: a timed email before the start takes the start", "[unit][schedule]") {
  // S is Monday 14:00 Stockholm; the day-1 09:00 email would be before it.
  check_plan(sequence_json(kWeekdays08to18, email(1, kChoose) + "," + email(1, at("09:00"))),
             "Europe/Stockholm", "2026-03-02T13:00:00Z",
             {{2, "2026-03-02T13:00:00Z", "2026-03-02T14:00:00+01:00"}});
}

TEST_CASE("rule 5: a late start moves day 1 to the next allowed date", "[unit][schedule]") {
  // S is Monday 11:00 Stockholm; the first step at 09:00 is already past: day 1 is Tuesday,
  // and day 3 is Thursday.
  check_plan(sequence_json(kWeekdays08to18, email(1, at("09:00")) + "," + email(3, at("10:00"))),
             "Europe/Stockholm", "2026-03-02T10:00:00Z",
             {{1, "2026-03-03T08:00:00Z", "2026-03-03T09:00:00+01:00"},
              {2, "2026-03-05T09:00:00Z", "2026-03-05T10:00:00+01:00"}});
}

TEST_CASE("rule 5: a first at_time that the window lifts past the start is not a late start",
          "[unit][schedule]") {
  // 07:00 is before the 08:00 window: rule 6 makes it 08:00, after S at 07:30.
  check_plan(sequence_json(kWeekdays08to18, email(1, at("07:00"))), "Europe/Stockholm",
             "2026-03-02T06:30:00Z", {{1, "2026-03-02T07:00:00Z", "2026-03-02T08:00:00+01:00"}});
}

TEST_CASE("rule 6: a send after the window moves across the weekend", "[unit][schedule]") {
  // Friday 2026-03-06 18:30 Stockholm is past 18:00: Monday 08:00.
  check_plan(sequence_json(kWeekdays08to18, email(1, kChoose)), "Europe/Stockholm",
             "2026-03-06T17:30:00Z", {{1, "2026-03-09T07:00:00Z", "2026-03-09T08:00:00+01:00"}});
}

TEST_CASE("rule 6: a send after the window moves across the weekend and a holiday",
          "[unit][schedule]") {
  auto calendar =
      R"("skip_weekends": true, "holidays": ["2026-03-09"], "window": {"from": "08:00", "to": "18:00"})";
  check_plan(sequence_json(calendar, email(1, kChoose)), "Europe/Stockholm", "2026-03-06T17:30:00Z",
             {{1, "2026-03-10T07:00:00Z", "2026-03-10T08:00:00+01:00"}});
}

TEST_CASE("rule 6: exactly at the window's end counts as after it", "[unit][schedule]") {
  check_plan(sequence_json(kWeekdays08to18, email(1, at("18:00"))), "Europe/Stockholm",
             "2026-03-02T05:00:00Z", {{1, "2026-03-03T07:00:00Z", "2026-03-03T08:00:00+01:00"}});
}

TEST_CASE("same_as_previous follows the previous email's time after the window moved it",
          "[unit][schedule]") {
  // Started Monday 19:00: step 1 goes Tuesday 08:00, so step 2 (day 3, Wednesday) is 08:00.
  check_plan(sequence_json(kWeekdays08to18, email(1, kChoose) + "," + email(3, kSame)),
             "Europe/Stockholm", "2026-03-02T18:00:00Z",
             {{1, "2026-03-03T07:00:00Z", "2026-03-03T08:00:00+01:00"},
              {2, "2026-03-04T07:00:00Z", "2026-03-04T08:00:00+01:00"}});
}

TEST_CASE("a task due before the start is due at the start; without a window at midnight",
          "[unit][schedule]") {
  check_plan(sequence_json(kWeekdays08to18, task(1, "call") + "," + task(2, "task")),
             "Europe/Stockholm", "2026-03-02T13:00:00Z",
             {{1, "2026-03-02T13:00:00Z", "2026-03-02T14:00:00+01:00"},
              {2, "2026-03-03T07:00:00Z", "2026-03-03T08:00:00+01:00"}});
  check_plan(sequence_json(R"("skip_weekends": true)", task(1, "call") + "," + task(2, "task")),
             "Europe/Stockholm", "2026-03-02T13:00:00Z",
             {{2, "2026-03-02T23:00:00Z", "2026-03-03T00:00:00+01:00"}});
}

TEST_CASE("rule 8: a shift moves a step by allowed dates", "[unit][schedule]") {
  auto seq = parse(sequence_json(
      kWeekdays08to18, email(1, kChoose) + "," + task(2, "call") + "," + email(3, at("10:00"))));
  auto zone = resolve_zone(seq, "Europe/Stockholm", "");
  std::vector<int> shifts{0, 0, 2};
  auto plan = plan_schedule(seq, zone, instant("2026-03-05T08:15:00Z"), shifts);  // Thursday
  // Day 3 is Monday 9; two allowed dates later is Wednesday 11.
  CHECK(format_local(plan.steps[2].due_at, *zone.zone) == "2026-03-11T10:00:00+01:00");
}
