// The foundation end to end: apply the all-modes sequence, import the sample prospects,
// enroll everyone on Monday 2026-12-14 and tick hour by hour for three weeks and a bit,
// through the Christmas and New Year holidays, working the task queue as a rep would.
#include <catch2/catch.hpp>

#include <fstream>
#include <map>

#include <touchpoint/store/store.hpp>

#include "cli_fixture.hpp"

using nlohmann::json;
using touchpoint::testing::CliFixture;
using touchpoint::testing::fixture;

namespace {

std::string iso(touchpoint::core::Timestamp t) {
  return touchpoint::core::format_utc(t);
}

struct World {
  CliFixture cli;
  json messages;  // messages --json
  json tasks;     // tasks --state all --json
  json enrollments;
  std::string import_err;

  // The message or task of one prospect's step.
  const json& message(const std::string& to, int position) const {
    for (const auto& m : messages)
      if (m["to"] == to && m["position"] == position) return m;
    FAIL("no message for " << to << " step " << position);
    throw 0;
  }
  const json& task(const std::string& prospect, int position) const {
    for (const auto& t : tasks)
      if (t["prospect"] == prospect && t["position"] == position) return t;
    FAIL("no task for " << prospect << " step " << position);
    throw 0;
  }
};

const char* kAsa = "asa.lindstrom@nordvik.se";
const char* kMinjun = "minjun.kim@hanbit.co.kr";
const char* kNobody = "nobody@no-zone.example";
const char* kStart = "2026-12-14T08:00:00Z";
const char* kAsaCallClosedLate = "2026-12-18T09:00:00Z";  // due Wed 16: two allowed dates late

// Runs the whole three weeks once and keeps what the CLI reports at the end.
void live_three_weeks(World& w) {
  w.cli.add_sample_reps();
  auto imported = w.cli.ok({"prospects", "import", fixture("prospects.csv")});
  w.import_err = imported.err;
  w.cli.ok({"sequence", "apply", fixture("sequence-all-modes.json")});
  w.cli.ok({"enroll", "--sequence", "Outbound - all send options", "--prospects", "all", "--start",
            kStart});

  auto t = *touchpoint::core::parse_instant(kStart);
  auto end = *touchpoint::core::parse_instant("2027-01-08T00:00:00Z");
  auto late_close = *touchpoint::core::parse_instant(kAsaCallClosedLate);
  for (; t <= end; t += std::chrono::hours{1}) {
    w.cli.ok({"tick", "--now", iso(t)});
    // The reps work their queue right away, except Åsa's call, which waits until Friday.
    auto open = w.cli.ok({"tasks", "--json", "--now", iso(t)}).json();
    for (const auto& task : open) {
      bool asa_call = task["prospect"] == kAsa && task["position"] == 3;
      if (asa_call && t < late_close) continue;
      w.cli.ok({"task", "complete", std::to_string(task["id"].get<int>()), "--outcome", "done",
                "--now", iso(t)});
    }
  }
  w.messages = w.cli.ok({"messages", "--json"}).json();
  w.tasks = w.cli.ok({"tasks", "--state", "all", "--json", "--now", iso(end)}).json();
  w.enrollments = w.cli.ok({"enrollments", "--json"}).json();
}

// Every test case reads the same three weeks, lived once.
const World& three_weeks() {
  static World world;
  static bool lived = (live_three_weeks(world), true);
  (void)lived;
  return world;
}

}  // namespace

TEST_CASE("the bad CSV row is reported with its line number and skipped", "[e2e]") {
  const auto& w = three_weeks();
  CHECK_THAT(w.import_err,
             Catch::Contains("line 11: 'bad-row-without-at-sign' is not a valid email address"));
  CHECK(w.enrollments.size() == 9);
}

TEST_CASE("exactly the expected messages and tasks exist after three weeks", "[e2e]") {
  const auto& w = three_weeks();
  // 9 prospects x 4 automatic emails, less the one excluded for a missing field.
  CHECK(w.messages.size() == 35);
  // 9 prospects x 3 task-creating steps (call, manual email, LinkedIn).
  CHECK(w.tasks.size() == 27);
  for (const auto& m : w.messages) CHECK(m["state"] == "sent");
  for (const auto& t : w.tasks) CHECK(t["state"] == "completed");
  for (const auto& e : w.enrollments) CHECK(e["state"] == "finished");
}

TEST_CASE("Seoul's steps land at the planned local times, holidays skipped", "[e2e]") {
  const auto& w = three_weeks();
  // Start: 17:00 in Seoul on Monday 14th. Days 3, 5, 8, 10, 12 are Wed 16, Fri 18, Wed 23,
  // Tue 29 (24, 25 are holidays) and Mon 4 January (31 and 1 are holidays).
  CHECK(w.message(kMinjun, 1)["due_at"] == "2026-12-14T08:00:00Z");
  CHECK(w.message(kMinjun, 1)["sent_at"] == "2026-12-14T08:00:00Z");
  CHECK(w.message(kMinjun, 2)["due_at"] == "2026-12-16T08:00:00Z");  // 17:00, as step 1
  CHECK(w.task(kMinjun, 3)["due_date"] == "2026-12-16");
  CHECK(w.task(kMinjun, 3)["due_at"] == "2026-12-15T23:00:00Z");      // 08:00 window start
  CHECK(w.message(kMinjun, 4)["due_at"] == "2026-12-18T00:30:00Z");   // 09:30
  CHECK(w.message(kMinjun, 4)["sent_at"] == "2026-12-18T01:00:00Z");  // the next hourly tick
  CHECK(w.task(kMinjun, 5)["due_date"] == "2026-12-23");
  CHECK(w.task(kMinjun, 5)["type"] == "email");
  CHECK(w.message(kMinjun, 6)["due_at"] == "2026-12-29T00:30:00Z");  // 09:30, as step 4
  CHECK(w.task(kMinjun, 7)["due_date"] == "2027-01-04");
  CHECK(w.task(kMinjun, 7)["due_at"] == "2027-01-03T23:00:00Z");
}

TEST_CASE("completing a task two allowed dates late moves every later step two allowed dates",
          "[e2e]") {
  const auto& w = three_weeks();
  CHECK(w.message(kAsa, 1)["due_at"] == "2026-12-14T08:00:00Z");
  CHECK(w.message(kAsa, 2)["due_at"] == "2026-12-16T08:00:00Z");
  CHECK(w.task(kAsa, 3)["due_date"] == "2026-12-16");
  CHECK(w.task(kAsa, 3)["closed_at"] == kAsaCallClosedLate);
  // Unshifted, step 4 would be day 5 (Fri 18); two allowed dates later is Tue 22.
  CHECK(w.message(kAsa, 4)["due_at"] == "2026-12-22T08:30:00Z");
  // Day 8 + 2 = day 10: Tue 29 (Christmas skipped).
  CHECK(w.task(kAsa, 5)["due_date"] == "2026-12-29");
  // Day 10 + 2 = day 12: Mon 4 January, at step 4's 09:30.
  CHECK(w.message(kAsa, 6)["due_at"] == "2027-01-04T08:30:00Z");
  // Day 12 + 2 = day 14: Wed 6 January.
  CHECK(w.task(kAsa, 7)["due_date"] == "2027-01-06");
}

TEST_CASE("the engine follows the schedule preview for everyone not moved by a late task",
          "[e2e]") {
  const auto& w = three_weeks();
  auto preview = w.cli
                     .ok({"schedule", "--sequence", fixture("sequence-all-modes.json"),
                          "--prospects", fixture("prospects.csv"), "--start", kStart,
                          "--owner-timezone", "America/Los_Angeles"})
                     .json();
  REQUIRE(preview.size() == 9);
  int compared = 0;
  for (const auto& p : preview) {
    auto email = p["prospect"].get<std::string>();
    if (email == kAsa) continue;
    for (const auto& s : p["steps"]) {
      auto position = s["position"].get<int>();
      if (s["action"] == "task") {
        CHECK(w.task(email, position)["due_at"] == s["due_at"]);
        CHECK(w.task(email, position)["due_date"] == s["due_date"]);
      } else if (!(email == kNobody && position == 4)) {
        CHECK(w.message(email, position)["due_at"] == s["due_at"]);
      }
      ++compared;
    }
  }
  CHECK(compared == 8 * 7);
}

TEST_CASE("a prospect without the industry field is excluded from that email with its cause",
          "[e2e]") {
  const auto& w = three_weeks();
  for (const auto& m : w.messages) CHECK_FALSE((m["to"] == kNobody && m["position"] == 4));
  auto store = touchpoint::store::open_sqlite_store(w.cli.db());
  bool found = false;
  for (const auto& e : store->events().list(0, 0))
    if (e.type == "excluded") {
      CHECK(e.detail == "missing_field:industry");
      CHECK(store->prospects().get(*e.prospect)->email == kNobody);
      found = true;
    }
  CHECK(found);
}

TEST_CASE("a threaded step replies to the previous email with its body quoted", "[e2e]") {
  const auto& w = three_weeks();
  const auto& first = w.message(kAsa, 1);
  const auto& reply = w.message(kAsa, 2);
  CHECK(first["subject"] == "Nordvik AB and faster follow-ups");
  CHECK(reply["subject"] == "Re: Nordvik AB and faster follow-ups");
  CHECK(reply["in_reply_to"] == first["message_id"]);
  CHECK(reply["references"] == json::array({first["message_id"]}));
  auto store = touchpoint::store::open_sqlite_store(w.cli.db());
  std::string first_html, reply_html;
  for (const auto& m : store->messages().list(std::nullopt)) {
    if (m.message.message_id == first["message_id"]) first_html = m.message.html;
    if (m.message.message_id == reply["message_id"]) reply_html = m.message.html;
  }
  REQUIRE_FALSE(first_html.empty());
  CHECK_THAT(reply_html, Catch::StartsWith("<p>Hi Åsa, bumping this up"));
  CHECK_THAT(reply_html, Catch::Contains("<blockquote"));
  CHECK_THAT(reply_html, Catch::Contains(first_html));
  CHECK_THAT(
      reply_html,
      Catch::Contains("On 2026-12-14 09:00, Anna Berg &lt;rep.anna@touchpoint.test&gt; wrote:"));
  // Every sent message is in the outbox once.
  std::size_t files = 0;
  for (const auto& f : std::filesystem::directory_iterator(w.cli.outbox()))
    files += f.path().extension() == ".eml";
  CHECK(files == w.messages.size());
}

TEST_CASE("the invalid sequence is rejected with every one of its errors", "[e2e]") {
  CliFixture cli;
  auto r = cli.run({"sequence", "apply", fixture("sequence-invalid.json")});
  CHECK(r.status == 2);
  CHECK_THAT(r.err, Catch::Contains("the sequence has 6 errors and was not applied"));
  CHECK_THAT(r.err, Catch::Contains("sequence: timezone: 'Mars/Olympus_Mons'"));
  CHECK_THAT(
      r.err,
      Catch::Contains("step 1: send.mode: same_as_previous needs an earlier automatic email step"));
  CHECK_THAT(r.err, Catch::Contains("step 1: template.body: unknown field 'no_such_field'"));
  CHECK_THAT(r.err, Catch::Contains("step 2: day: 1 comes after a step on day 2"));
  CHECK_THAT(r.err, Catch::Contains(
                        "step 2: send.mode: choose_at_start is allowed on the first step only"));
  CHECK_THAT(r.err, Catch::Contains("step 3: send.at: '25:61' is not a time HH:MM"));
  CHECK(cli.ok({"sequence", "list", "--json"}).json().empty());
}
