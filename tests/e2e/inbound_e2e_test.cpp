// Received mail acting on enrollments: the shared inbound fixtures, rewritten to refer to the
// Message-IDs actually sent.
#include <catch2/catch.hpp>

#include <fstream>
#include <sstream>

#include "cli_fixture.hpp"

using touchpoint::testing::CliFixture;
using touchpoint::testing::fixture;

namespace {

std::string slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

// The fixture with its example Message-ID replaced by the one we really sent.
std::string rewritten(const CliFixture& cli, const char* name, const std::string& example,
                      const std::string& actual) {
  auto text = slurp(fixture(std::string("inbound/") + name));
  for (auto at = text.find(example); at != std::string::npos; at = text.find(example, at))
    text.replace(at, example.size(), actual);
  auto path = (cli.dir() / name).string();
  std::ofstream(path, std::ios::binary) << text;
  return path;
}

}  // namespace

TEST_CASE("a reply ends, an out-of-office pauses, a hard bounce exits, a soft bounce is recorded",
          "[e2e]") {
  CliFixture cli;
  auto first = cli.send_first_emails();  // prospect -> Message-ID of step 1
  REQUIRE(first.size() == 9);

  auto files = std::vector<std::string>{
      rewritten(cli, "reply.eml", "tp.1.1.8f3a2c@touchpoint.test",
                first["asa.lindstrom@nordvik.se"]),
      rewritten(cli, "out-of-office.eml", "tp.1.3.77b1e0@touchpoint.test",
                first["daan.dejong@polderbank.nl"]),
      rewritten(cli, "bounce-hard.eml", "tp.1.5.c0ffee@touchpoint.test", first["jlee@acme-ny.com"]),
      rewritten(cli, "bounce-soft.eml", "tp.1.7.decade@touchpoint.test",
                first["noah@lordhowe.au"])};
  std::vector<std::string> args{"inbound", "--json", "--now", "2026-03-04T10:00:00Z"};
  args.insert(args.end(), files.begin(), files.end());
  auto results = cli.ok(args).json();
  REQUIRE(results.size() == 4);
  CHECK(results[0]["kind"] == "reply");
  CHECK(results[0]["action"] == "exited");
  CHECK(results[1]["kind"] == "auto_reply");
  CHECK(results[1]["action"] == "paused");
  CHECK(results[2]["kind"] == "hard_bounce");
  CHECK(results[2]["action"] == "exited");
  CHECK(results[3]["kind"] == "soft_bounce");
  CHECK(results[3]["action"] == "recorded");

  std::map<std::string, nlohmann::json> by_prospect;
  for (const auto& e : cli.ok({"enrollments", "--json"}).json())
    by_prospect[e["prospect"].get<std::string>()] = e;
  CHECK(by_prospect["asa.lindstrom@nordvik.se"]["state"] == "exited");
  CHECK(by_prospect["asa.lindstrom@nordvik.se"]["exit_cause"] == "reply");
  CHECK(by_prospect["daan.dejong@polderbank.nl"]["state"] == "paused");
  // Until 16 March in Amsterdam: local midnight is 23:00 UTC the day before.
  CHECK(by_prospect["daan.dejong@polderbank.nl"]["paused_until"] == "2026-03-15T23:00:00Z");
  CHECK(by_prospect["jlee@acme-ny.com"]["state"] == "exited");
  CHECK(by_prospect["jlee@acme-ny.com"]["exit_cause"] == "bounce");
  CHECK(by_prospect["noah@lordhowe.au"]["state"] == "active");

  // The same mail again changes nothing.
  auto again = cli.ok({"inbound", "--json", "--now", "2026-03-04T11:00:00Z", files[0]}).json();
  CHECK(again[0]["action"] == "duplicate");

  // Åsa's later steps never run; Daan's wait for the pause to end.
  cli.ok({"tick", "--now", "2026-03-12T00:00:00Z"});
  for (const auto& m : cli.ok({"messages", "--json"}).json()) {
    if (m["to"] == "asa.lindstrom@nordvik.se" || m["to"] == "daan.dejong@polderbank.nl")
      CHECK(m["position"] == 1);
  }
}

TEST_CASE("our own mail seen again is not taken for a reply", "[e2e]") {
  CliFixture cli;
  cli.ok({"user", "add", "--email", "rep.anna@touchpoint.test", "--name", "Anna Berg", "--timezone",
          "Europe/Stockholm"});
  auto path = (cli.dir() / "own.eml").string();
  std::ofstream(path) << "From: Anna Berg <rep.anna@touchpoint.test>\r\nTo: a@b.example\r\n"
                         "Subject: Re: hello\r\nMessage-ID: <own-1@touchpoint.test>\r\n\r\nHi\r\n";
  auto r = cli.ok({"inbound", "--json", path}).json();
  CHECK(r[0]["kind"] == "own");
  CHECK(r[0]["action"] == "ignored");
}

TEST_CASE("with stop_company_on_reply, a reply ends the sequence for the whole company", "[e2e]") {
  CliFixture cli;
  cli.add_sample_reps();
  std::ofstream(cli.dir() / "p.csv")
      << "email,first_name,last_name,owner\n"
         "asa.lindstrom@nordvik.se,Åsa,Lindström,rep.anna@touchpoint.test\n"
         "Boss@Nordvik.SE,Bo,Ss,rep.anna@touchpoint.test\n"
         "someone@nordvik.se.example,Some,One,rep.anna@touchpoint.test\n"
         "daan.dejong@polderbank.nl,Daan,de Jong,rep.anna@touchpoint.test\n";
  cli.ok({"prospects", "import", (cli.dir() / "p.csv").string()});
  std::ofstream(cli.dir() / "s.json") << R"({"name": "Company", "stop_company_on_reply": true,
    "timezone": "UTC", "skip_weekends": false, "steps": [
    {"day": 1, "type": "email", "send": {"mode": "choose_at_start"}, "template": {"subject": "Hi", "body": "Hi"}},
    {"day": 3, "type": "email", "send": {"mode": "same_as_previous"}, "template": {"subject": "Hi", "body": "Hi"}}]})";
  cli.ok({"sequence", "apply", (cli.dir() / "s.json").string()});
  cli.ok(
      {"enroll", "--sequence", "Company", "--prospects", "all", "--start", "2026-03-02T09:00:00Z"});
  cli.ok({"tick", "--now", "2026-03-02T10:00:00Z"});
  std::string asa_first;
  for (const auto& m : cli.ok({"messages", "--json"}).json())
    if (m["to"] == "asa.lindstrom@nordvik.se") asa_first = m["message_id"].get<std::string>();
  REQUIRE_FALSE(asa_first.empty());
  auto reply = rewritten(cli, "reply.eml", "tp.1.1.8f3a2c@touchpoint.test", asa_first);
  auto r = cli.ok({"inbound", "--json", "--now", "2026-03-03T10:00:00Z", reply}).json();
  CHECK(r[0]["action"] == "exited");
  CHECK(r[0]["enrollments"].size() == 2);

  std::map<std::string, nlohmann::json> by_prospect;
  for (const auto& e : cli.ok({"enrollments", "--json"}).json())
    by_prospect[e["prospect"].get<std::string>()] = e;
  CHECK(by_prospect["asa.lindstrom@nordvik.se"]["exit_cause"] == "reply");
  CHECK(by_prospect["Boss@Nordvik.SE"]["exit_cause"] == "reply");
  CHECK(by_prospect["someone@nordvik.se.example"]["state"] == "active");
  CHECK(by_prospect["daan.dejong@polderbank.nl"]["state"] == "active");
}
