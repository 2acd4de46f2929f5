// A manual email the rep sends from their own client, and the threaded step after it.
#include <catch2/catch.hpp>

#include <fstream>

#include "cli_fixture.hpp"

using nlohmann::json;
using touchpoint::testing::CliFixture;
using touchpoint::testing::fixture;

namespace {

// An automatic email, a manual one, then a reply threaded onto the manual one.
void setup(const CliFixture& cli) {
  cli.add_sample_reps();
  cli.ok({"prospects", "import", fixture("prospects.csv")});
  std::ofstream(cli.dir() / "seq.json") << R"({"name": "Manual", "timezone": "UTC",
    "window": {"from": "08:00", "to": "18:00"},
    "steps": [
      {"day": 1, "type": "email", "send": {"mode": "at_time", "at": "09:00"},
       "template": {"subject": "First", "body": "<p>first</p>"}},
      {"day": 2, "type": "email", "send": {"mode": "manual"},
       "template": {"subject": "Manual", "body": "<p>manual</p>"}},
      {"day": 3, "type": "email", "send": {"mode": "thread_previous"},
       "template": {"body": "<p>follow-up</p>"}}]})";
  cli.ok({"sequence", "apply", (cli.dir() / "seq.json").string()});
  std::ofstream(cli.dir() / "one.csv") << "email,first_name\nasa.lindstrom@nordvik.se,Åsa\n";
  cli.ok({"enroll", "--sequence", "Manual", "--prospects", (cli.dir() / "one.csv").string(),
          "--owner", "rep.anna@touchpoint.test", "--start", "2026-03-02T07:00:00Z"});
  cli.ok({"tick", "--now", "2026-03-03T10:00:00Z"});
}

json message_at(const CliFixture& cli, int position) {
  for (const auto& m : cli.ok({"messages", "--json"}).json())
    if (m["position"] == position) return m;
  return nullptr;
}

int manual_task(const CliFixture& cli) {
  auto tasks = cli.ok({"tasks", "--json"}).json();
  REQUIRE(tasks.size() == 1);
  return tasks[0]["id"].get<int>();
}

}  // namespace

TEST_CASE("the step after a manual email replies to the Message-ID the rep's client sent, "
          "pasted with angle brackets",
          "[e2e]") {
  CliFixture cli;
  setup(cli);
  cli.ok({"task", "complete", std::to_string(manual_task(cli)), "--message-id",
          "  <CAbracket+1@mail.gmail.com>", "--now", "2026-03-03T11:00:00Z"});
  cli.ok({"tick", "--now", "2026-03-04T12:00:00Z"});
  auto reply = message_at(cli, 3);
  REQUIRE(reply != nullptr);
  CHECK(reply["state"] == "sent");
  CHECK(reply["subject"] == "Re: Manual");
  CHECK(reply["in_reply_to"] == "CAbracket+1@mail.gmail.com");
}

TEST_CASE("a sent Message-ID that cannot be one is refused, naming the field", "[e2e]") {
  CliFixture cli;
  setup(cli);
  auto id = std::to_string(manual_task(cli));
  auto r = cli.run({"task", "complete", id, "--message-id", "<two words@x>", "--now",
                    "2026-03-03T11:00:00Z"});
  CHECK(r.status == 2);
  CHECK_THAT(r.err, Catch::Contains("sent_message_id"));
  CHECK(cli.ok({"tasks", "--json"}).json().size() == 1);  // still open: nothing was lost
}

TEST_CASE("a skipped manual email is not quoted: the next step replies to the last email sent",
          "[e2e]") {
  CliFixture cli;
  setup(cli);
  cli.ok({"task", "skip", std::to_string(manual_task(cli)), "--now", "2026-03-03T11:00:00Z"});
  cli.ok({"tick", "--now", "2026-03-04T12:00:00Z"});
  auto first = message_at(cli, 1);
  auto reply = message_at(cli, 3);
  REQUIRE(reply != nullptr);
  CHECK(reply["subject"] == "Re: First");
  CHECK(reply["in_reply_to"] == first["message_id"]);
}
