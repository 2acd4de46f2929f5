// Prospects, sequence versions, enrollments and the task queue, through the CLI.
#include <catch2/catch.hpp>

#include <fstream>

#include "cli_fixture.hpp"

using nlohmann::json;
using touchpoint::testing::CliFixture;
using touchpoint::testing::fixture;

namespace {

void write(const std::filesystem::path& path, const std::string& text) {
  std::ofstream(path) << text;
}

// One rep, the sample prospects and a call-then-email sequence.
void setup(const CliFixture& cli) {
  cli.add_sample_reps();
  cli.ok({"prospects", "import", fixture("prospects.csv")});
  write(cli.dir() / "seq.json",
        R"({"name": "Calls", "timezone": "prospect", "window": {"from": "08:00", "to": "18:00"},
    "steps": [{"day": 1, "type": "call", "note": "Call {{first_name}}"},
              {"day": 2, "type": "email", "send": {"mode": "at_time", "at": "10:00"},
               "template": {"subject": "Hi {{first_name}}", "body": "<p>Hello {{first_name|there}}</p>"}}]})");
  cli.ok({"sequence", "apply", (cli.dir() / "seq.json").string()});
}

}  // namespace

TEST_CASE("re-importing updates prospects by email, case-insensitively, without duplicates",
          "[e2e]") {
  CliFixture cli;
  setup(cli);
  write(cli.dir() / "again.csv",
        "email,first_name,title,industry\nASA.LINDSTROM@NORDVIK.SE,Åsa,CEO,Freight\nnew@person."
        "example,New,,\n");
  auto r = cli.ok({"prospects", "import", (cli.dir() / "again.csv").string(), "--json"}).json();
  CHECK(r["inserted"] == 1);
  CHECK(r["updated"] == 1);
  auto prospects = cli.ok({"prospects", "list", "--json"}).json();
  CHECK(prospects.size() == 10);
  for (const auto& p : prospects)
    if (p["first_name"] == "Åsa") {
      CHECK(p["title"] == "CEO");
      CHECK(p["custom"]["industry"] == "Freight");
      CHECK(p["last_name"] == "");  // the file's columns replace the stored ones
    }
}

TEST_CASE("a changed sequence file makes a new version; enrolled prospects stay on theirs",
          "[e2e]") {
  CliFixture cli;
  setup(cli);
  auto seq = cli.dir() / "seq.json";
  CHECK(cli.ok({"sequence", "apply", seq.string(), "--json"}).json() ==
        json({{"id", 1}, {"version", 1}}));
  cli.ok(
      {"enroll", "--sequence", "Calls", "--prospects", "all", "--start", "2026-03-02T07:00:00Z"});

  std::ifstream in(seq);
  std::string text((std::istreambuf_iterator<char>(in)), {});
  text.replace(text.find("Call {{first_name}}"), 19, "Ring {{first_name}}");
  write(seq, text);
  CHECK(cli.ok({"sequence", "apply", seq.string(), "--json"}).json() ==
        json({{"id", 1}, {"version", 2}}));
  CHECK(cli.ok({"sequence", "apply", seq.string(), "--json"}).json()["version"] == 2);

  cli.ok({"tick", "--now", "2026-03-02T16:00:00Z"});  // 08:00 in Los Angeles: all calls due
  auto tasks = cli.ok({"tasks", "--json", "--now", "2026-03-02T16:00:00Z"}).json();
  REQUIRE(tasks.size() == 9);
  for (const auto& t : tasks) CHECK_THAT(t["note"].get<std::string>(), Catch::StartsWith("Call "));

  // Moved explicitly, pending steps follow version 2: the second step gets its new time.
  for (const auto& t : tasks)
    cli.ok(
        {"task", "complete", std::to_string(t["id"].get<int>()), "--now", "2026-03-02T16:00:00Z"});
  text.replace(text.find("\"at\": \"10:00\""), 13, "\"at\": \"11:00\"");
  write(seq, text);
  CHECK(cli.ok({"sequence", "apply", seq.string(), "--json"}).json()["version"] == 3);
  CHECK(cli.ok({"enrollments", "move", "--sequence", "Calls", "--json"}).json()["moved"] == 9);
  cli.ok({"tick", "--now", "2026-03-03T10:30:00Z"});  // 11:30 in Stockholm: 10:00 was version 1
  int asa = 0;
  for (const auto& m : cli.ok({"messages", "--json"}).json())
    if (m["to"] == "asa.lindstrom@nordvik.se") {
      CHECK(m["due_at"] == "2026-03-03T10:00:00Z");
      ++asa;
    }
  CHECK(asa == 1);
}

TEST_CASE("a prospect has one active enrollment per sequence", "[e2e]") {
  CliFixture cli;
  setup(cli);
  auto first = cli.ok({"enroll", "--sequence", "1", "--prospects", "all", "--json"}).json();
  CHECK(first["enrolled"] == 9);
  auto again = cli.ok({"enroll", "--sequence", "1", "--prospects", "all", "--json"}).json();
  CHECK(again["enrolled"] == 0);
  CHECK(again["already_active"].size() == 9);
}

TEST_CASE("the task queue shows overdue, today and upcoming in the rep's zone", "[e2e]") {
  CliFixture cli;
  setup(cli);
  cli.ok(
      {"enroll", "--sequence", "Calls", "--prospects", "all", "--start", "2026-03-02T07:00:00Z"});
  cli.ok({"tick", "--now", "2026-03-02T23:00:00Z"});
  // Anna's calls were due Monday 2 March; on Tuesday in Stockholm they are overdue.
  auto anna = [&](const char* now, const char* view) {
    return cli
        .ok({"tasks", "--owner", "rep.anna@touchpoint.test", "--view", view, "--json", "--now",
             now})
        .json();
  };
  CHECK(anna("2026-03-02T12:00:00Z", "today").size() == 3);
  CHECK(anna("2026-03-03T09:00:00Z", "overdue").size() == 3);
  CHECK(anna("2026-03-03T09:00:00Z", "today").empty());

  auto all = cli.ok({"tasks", "--json", "--type", "call"}).json();
  CHECK(all.size() == 9);
  CHECK(cli.ok({"tasks", "--json", "--type", "email"}).json().empty());
  auto id = std::to_string(anna("2026-03-03T09:00:00Z", "overdue")[0]["id"].get<int>());

  cli.ok({"task", "snooze", id, "--until", "2026-03-05T08:00:00Z"});
  CHECK(anna("2026-03-03T09:00:00Z", "overdue").size() == 2);
  CHECK(anna("2026-03-03T09:00:00Z", "upcoming").size() == 1);

  cli.ok({"task", "reassign", id, "--owner", "rep.sam@touchpoint.test"});
  CHECK(anna("2026-03-03T09:00:00Z", "upcoming").empty());

  cli.ok({"task", "skip", id});
  auto r = cli.run({"task", "complete", id});
  CHECK(r.status == 2);
  CHECK_THAT(r.err, Catch::Contains("already skipped"));
  CHECK(cli.run({"task", "complete", "999999"}).status == 2);
  CHECK(cli.run({"task", "complete", "abc"}).status == 2);
}

TEST_CASE("a step after an open task waits for it", "[e2e]") {
  CliFixture cli;
  setup(cli);
  cli.ok(
      {"enroll", "--sequence", "Calls", "--prospects", "all", "--start", "2026-03-02T07:00:00Z"});
  // Tuesday 11:00Z: the calls are open; in Europe and Asia the day-2 10:00 emails are due,
  // but they wait for the calls.
  cli.ok({"tick", "--now", "2026-03-03T11:00:00Z"});
  CHECK(cli.ok({"messages", "--json"}).json().empty());
  for (const auto& t : cli.ok({"tasks", "--json"}).json())
    cli.ok(
        {"task", "complete", std::to_string(t["id"].get<int>()), "--now", "2026-03-03T12:00:00Z"});
  // Closed on Tuesday (local, everywhere), one allowed date late: the emails move to
  // Wednesday 10:00.
  cli.ok({"tick", "--now", "2026-03-03T12:30:00Z"});
  CHECK(cli.ok({"messages", "--json"}).json().empty());
  cli.ok({"tick", "--now", "2026-03-05T00:00:00Z"});
  auto messages = cli.ok({"messages", "--json"}).json();
  CHECK(messages.size() == 9);
}

TEST_CASE("enrollments pause, resume and exit; an exited one runs nothing more", "[e2e]") {
  CliFixture cli;
  setup(cli);
  cli.ok(
      {"enroll", "--sequence", "Calls", "--prospects", "all", "--start", "2026-03-02T07:00:00Z"});
  cli.ok({"enrollment", "pause", "1", "--until", "2026-03-10T00:00:00Z"});
  cli.ok({"enrollment", "exit", "2"});
  CHECK(cli.run({"enrollment", "resume", "2"}).status == 2);
  cli.ok({"tick", "--now", "2026-03-02T23:00:00Z"});
  auto tasks = cli.ok({"tasks", "--json"}).json();
  CHECK(tasks.size() == 7);
  cli.ok({"tick", "--now", "2026-03-10T00:00:00Z"});  // the pause has ended
  CHECK(cli.ok({"tasks", "--json"}).json().size() == 8);
  auto enrollments = cli.ok({"enrollments", "--json"}).json();
  CHECK(enrollments[0]["state"] == "active");
  CHECK(enrollments[1]["state"] == "exited");
  CHECK(enrollments[1]["exit_cause"] == "manual");
}

TEST_CASE("bad input gets a clear error naming the field", "[e2e]") {
  CliFixture cli;
  auto bad = [&](std::vector<std::string> args, const char* message) {
    auto r = cli.run(args);
    CHECK(r.status == 2);
    CHECK_THAT(r.err, Catch::Contains(message));
  };
  bad({"user", "add", "--email", "nope", "--name", "X", "--timezone", "UTC"},
      "--email: 'nope' is not a valid email address");
  bad({"user", "add", "--email", "a@b.co", "--name", "X", "--timezone", "Mars/Base"},
      "--timezone: 'Mars/Base'");
  bad({"tick", "--now", "yesterday"}, "--now: 'yesterday' is not an ISO 8601 instant");
  bad({"tick", "--bogus"}, "unknown option --bogus");
  bad({"frobnicate"}, "unknown command 'frobnicate'");
  bad({"enroll", "--sequence", "nope", "--prospects", "all"},
      "--sequence: no sequence with id or name 'nope'");
  bad({"prospects", "import", "/no/such.csv"}, "cannot read /no/such.csv");
}
